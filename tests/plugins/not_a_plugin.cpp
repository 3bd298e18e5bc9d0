// A shared library that registers nothing: pebench must refuse it as a plugin.
extern "C" int pebench_test_not_a_plugin() { return 42; }
