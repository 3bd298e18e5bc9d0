// The options reader (common/options_reader.hpp) that tasks, encodings and
// suites share, and the enum-name tables (common/enum_names.hpp) it reads
// choices from: every bad value is one line "origin: path: problem".
#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "common/enum_names.hpp"
#include "common/options_reader.hpp"
#include "models/encoding.hpp"
#include "models/encodings/support/shared_options.hpp"
#include "models/model_config.hpp"
#include "models/optimizer.hpp"
#include "tasks/task.hpp"

using namespace pebench;

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// The message of the UsageError `read` throws, or "" if it throws none.
std::string error_of(const std::function<void()>& read) {
  try {
    read();
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

// The message of reading `options` = {"key": value} with `read(reader)`.
std::string error_reading(const json& value, const std::function<void(OptionsReader&)>& read) {
  const json options = {{"key", value}};
  return error_of([&] {
    OptionsReader reader(options, "suite s.json", "train");
    read(reader);
  });
}

TEST(OptionsReader, AnAbsentKeyReturnsTheFallback) {
  const json options = json::object();
  OptionsReader reader(options, "suite s.json");
  EXPECT_EQ(reader.integer("steps", 7, 1, 10), 7);
  EXPECT_EQ(reader.number("lr", 0.5, 0.0, 1.0), 0.5);
  EXPECT_EQ(reader.boolean("save", true), true);
  EXPECT_EQ(reader.string("name", "x"), "x");
  EXPECT_EQ(reader.choice("norm", NormPlacement::post), NormPlacement::post);
}

TEST(OptionsReader, AnIntegerInRangeIsRead) {
  const json options = {{"steps", 10}};
  OptionsReader reader(options, "suite s.json");
  EXPECT_EQ(reader.integer("steps", 1, 1, 10), 10);
}

TEST(OptionsReader, NumbersWithNoFractionalPartAreIntegers) {
  const json options = {{"a", 5.0}, {"b", 1e3}};
  OptionsReader reader(options, "suite s.json");
  EXPECT_EQ(reader.integer("a", 0, 0, INT_MAX), 5);
  EXPECT_EQ(reader.integer("b", 0, 0, INT_MAX), 1000);
}

TEST(OptionsReader, AFractionalNumberIsNotAnInteger) {
  EXPECT_EQ(error_reading(2.5, [](OptionsReader& r) { r.integer("key", 1, 1, INT_MAX); }),
            "suite s.json: train.key: must be a positive integer, got 2.5");
}

TEST(OptionsReader, AStringOfDigitsIsNotAnInteger) {
  EXPECT_EQ(error_reading("5", [](OptionsReader& r) { r.integer("key", 1, 0, 10); }),
            "suite s.json: train.key: must be an integer in [0, 10], got '5'");
}

TEST(OptionsReader, AnIntegerOutsideItsRangeNamesTheRange) {
  EXPECT_EQ(error_reading(11, [](OptionsReader& r) { r.integer("key", 3, 3, 10); }),
            "suite s.json: train.key: must be an integer in [3, 10], got 11");
  EXPECT_EQ(error_reading(-1, [](OptionsReader& r) { r.integer("key", 0, 0, INT_MAX); }),
            "suite s.json: train.key: must be a non-negative integer, got -1");
}

TEST(OptionsReader, AnIntegerTooLargeForAnyIntIsOutOfRange) {
  EXPECT_EQ(error_reading(json(18446744073709551615ull), [](OptionsReader& r) { r.integer("key", 1, 1, INT_MAX); }),
            "suite s.json: train.key: must be a positive integer, got 18446744073709551615");
}

TEST(OptionsReader, AnUnsigned64BitIntegerKeepsItsFullRange) {
  const json options = {{"seed", 18446744073709551615ull}};
  OptionsReader reader(options, "suite s.json");
  EXPECT_EQ(reader.uint64("seed", 1), UINT64_MAX);
  EXPECT_EQ(error_reading(-3, [](OptionsReader& r) { r.uint64("key", 1); }),
            "suite s.json: train.key: must be a non-negative integer, got -3");
}

TEST(OptionsReader, AnOpenLowerBoundExcludesTheBoundItself) {
  const json options = {{"lr", 1e-9}};
  OptionsReader reader(options, "suite s.json");
  EXPECT_EQ(reader.number("lr", 1.0, 0.0, 10.0, Bound::open), 1e-9);
  EXPECT_EQ(error_reading(0, [](OptionsReader& r) { r.number("key", 1.0, 0.0, 10.0, Bound::open); }),
            "suite s.json: train.key: must be a number in (0, 10], got 0");
}

TEST(OptionsReader, ANumberRangeWithoutUpperEndReadsAsAComparison) {
  EXPECT_EQ(error_reading(1, [](OptionsReader& r) { r.number("key", 2.0, 1.0, kInfinity, Bound::open); }),
            "suite s.json: train.key: must be a number > 1, got 1");
  EXPECT_EQ(error_reading(-0.5, [](OptionsReader& r) { r.number("key", 0.0, 0.0, kInfinity); }),
            "suite s.json: train.key: must be a number >= 0, got -0.5");
}

TEST(OptionsReader, ABooleanOrAStringIsNotANumber) {
  EXPECT_EQ(error_reading(true, [](OptionsReader& r) { r.number("key", 0.0, 0.0, 1.0); }),
            "suite s.json: train.key: must be a number in [0, 1], got true");
  EXPECT_EQ(error_reading("0.5", [](OptionsReader& r) { r.number("key", 0.0, 0.0, 1.0); }),
            "suite s.json: train.key: must be a number in [0, 1], got '0.5'");
}

TEST(OptionsReader, ABooleanMustBeTrueOrFalse) {
  EXPECT_EQ(error_reading(1, [](OptionsReader& r) { r.boolean("key", false); }),
            "suite s.json: train.key: must be true or false, got 1");
}

TEST(OptionsReader, AStringMustBeAString) {
  EXPECT_EQ(error_reading(json::array(), [](OptionsReader& r) { r.string("key", ""); }),
            "suite s.json: train.key: must be a string, got an array");
}

TEST(OptionsReader, AChoiceNamesEveryChoiceAndSuggestsTheClosest) {
  EXPECT_EQ(error_reading("warmup_cosin", [](OptionsReader& r) { r.choice("key", Schedule::constant); }),
            "suite s.json: train.key: must be one of constant, warmup_linear, warmup_cosine; got 'warmup_cosin' "
            "(closest: warmup_cosine)");
  EXPECT_EQ(error_reading(3, [](OptionsReader& r) { r.choice("key", "a", {"a", "b"}); }),
            "suite s.json: train.key: must be one of a, b; got 3");
}

TEST(OptionsReader, AnEnumChoiceReadsTheValueOfItsName) {
  const json options = {{"norm", "pre"}, {"init", "normal_0.02"}};
  OptionsReader reader(options, "suite s.json");
  EXPECT_EQ(reader.choice("norm", NormPlacement::post), NormPlacement::pre);
  EXPECT_EQ(reader.choice("init", TableInit::truncated_normal), TableInit::normal_0_02);
}

TEST(OptionsReader, AnUnknownKeySuggestsTheClosestKnownKey) {
  const json options = {{"stepz", 3}};
  OptionsReader reader(options, "suite s.json", "train");
  reader.integer("steps", 1, 1, 10);
  reader.number("lr", 0.1, 0.0, 1.0);
  EXPECT_EQ(error_of([&] { reader.finish(); }), "suite s.json: train.stepz: unknown key (closest: steps)");
}

TEST(OptionsReader, AnUnknownKeySuggestsEveryKnownKeyAsCloseAsTheClosest) {
  const json options = {{"t", 3}};
  OptionsReader reader(options, "suite s.json", "lengths");
  reader.integer("from", 1, 1, 10);
  reader.integer("to", 1, 1, 10);
  reader.integer("step", 1, 1, 10);
  EXPECT_EQ(error_of([&] { reader.finish(); }), "suite s.json: lengths.t: unknown key (closest: step, to)");
}

TEST(OptionsReader, AnUnknownKeyWhereNoKeyIsAcceptedSaysSo) {
  const json options = {{"x", 1}};
  EXPECT_EQ(error_of([&] { OptionsReader::plugin_options(options, "encoding 'nope'").finish(); }),
            "encoding 'nope': options.x: unknown key (none are accepted here)");
}

TEST(OptionsReader, AMisplacedKeyPointsAtItsRightPlace) {
  const json options = {{"dropout", 0.1}};
  OptionsReader reader(options, "suite s.json", "model");
  EXPECT_EQ(error_of([&] { reader.finish({{"dropout", "dropout is set in train.dropout"}}); }),
            "suite s.json: model.dropout: unknown key (dropout is set in train.dropout)");
}

TEST(OptionsReader, AnAllowedKeyNeedsNoRead) {
  const json options = {{"description", "free text"}};
  OptionsReader reader(options, "suite s.json");
  reader.allow("description");
  EXPECT_EQ(error_of([&] { reader.finish(); }), "");
}

TEST(OptionsReader, AnUnknownKeyStaysOnOneLine) {
  const json options = {{"a\nb", 1}};
  OptionsReader reader(options, "suite s.json");
  reader.integer("ab", 1, 1, 2);
  EXPECT_EQ(error_of([&] { reader.finish(); }), "suite s.json: a\\nb: unknown key (closest: ab)");
}

TEST(OptionsReader, ANonObjectIsRejectedByItsTypeName) {
  const json options = json::array({1, 2});
  EXPECT_EQ(error_of([&] { OptionsReader reader(options, "suite s.json", "model"); }),
            "suite s.json: model: must be a JSON object, got an array");
}

TEST(OptionsReader, PluginOptionsReadNullAsNoOptions) {
  const json options;  // null: the suite gave no options
  OptionsReader reader = OptionsReader::plugin_options(options, "task 't'");
  EXPECT_EQ(reader.integer("length", 12, 1, 100), 12);
  EXPECT_EQ(error_of([&] { reader.finish(); }), "");
}

TEST(OptionsReader, ACrossFieldProblemIsReportedAtItsKey) {
  const json options = {{"warmup_steps", 10}};
  OptionsReader reader(options, "suite s.json", "train");
  EXPECT_EQ(error_of([&] { reader.fail("warmup_steps", "must be <= train.steps (4), got 10"); }),
            "suite s.json: train.warmup_steps: must be <= train.steps (4), got 10");
  EXPECT_EQ(error_of([&] { reader.fail("needs 'from' and 'to'"); }), "suite s.json: train: needs 'from' and 'to'");
}

TEST(OptionsReader, AnErrorKeepsItsOriginPathAndProblemApart) {
  const json options = {{"base", "x"}};
  try {
    OptionsReader::plugin_options(options, "encoding 'rope'").number("base", 2.0, 1.0, kInfinity, Bound::open);
    FAIL() << "'x' accepted as a number";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.origin(), "encoding 'rope'");
    EXPECT_EQ(error.path(), "options.base");
    EXPECT_EQ(error.problem(), "must be a number > 1, got 'x'");
    EXPECT_STREQ(error.what(), "encoding 'rope': options.base: must be a number > 1, got 'x'");
  }
}

TEST(OptionsReader, AListItemIsNamedByItsIndex) {
  const json lengths = {4, 0};
  const OptionValue value(lengths, "suite s.json", "train.lengths");
  EXPECT_EQ(value.item(0).integer(1, 10), 4);
  EXPECT_EQ(error_of([&] { value.item(1).integer(1, 10); }),
            "suite s.json: train.lengths[1]: must be an integer in [1, 10], got 0");
}

TEST(OptionsReader, AValueIsQuotedWithControlCharactersEscapedAndShortened) {
  EXPECT_EQ(describe_json(json("pre\npost")), "'pre\\npost'");
  const std::string described = describe_json(json(std::string(100000, 'x')));
  EXPECT_LT(described.size(), 120u);
  EXPECT_NE(described.find("(100000 bytes)"), std::string::npos);
}

TEST(OptionsReader, TasksAndEncodingsReadTheirOptionsUnderTheirOwnName) {
  EXPECT_EQ(error_of([] { make_task("flip_flop", json{{"length", 2}}); }),
            "task 'flip_flop': options.length: must be an integer in [3, 100000], got 2");
  EXPECT_EQ(error_of([] { make_encoding<float>("rope", json{{"bse", 2}}); }),
            "encoding 'rope': options.bse: unknown key (closest: base)");
}

// Every enum's table maps each value to a name and that name back to it.
template <typename Enum>
void expect_names_round_trip(std::initializer_list<Enum> values) {
  for (Enum value : values) {
    const std::string name = to_string(value);
    EXPECT_NE(name, "?");
    EXPECT_EQ(enum_from_name<Enum>(name), value) << name;
  }
  EXPECT_EQ(enum_name_list<Enum>().size(), values.size());
  EXPECT_EQ(enum_from_name<Enum>("no such name"), std::nullopt);
}

TEST(EnumNames, EveryValueHasOneNameThatReadsBackAsIt) {
  expect_names_round_trip({NormPlacement::pre, NormPlacement::post});
  expect_names_round_trip({Activation::relu, Activation::gelu});
  expect_names_round_trip({Schedule::constant, Schedule::warmup_linear, Schedule::warmup_cosine});
  expect_names_round_trip({Attention::causal, Attention::bidirectional});
  expect_names_round_trip({SplitKind::train, SplitKind::id, SplitKind::ood});
  expect_names_round_trip({BidirectionalForm::directional, BidirectionalForm::symmetric});
  expect_names_round_trip({TableInit::truncated_normal, TableInit::normal_0_02});
}

TEST(EnumNames, NamesAreTheOnesConfigsAndResultFilesUse) {
  EXPECT_STREQ(to_string(NormPlacement::post), "post");
  EXPECT_STREQ(to_string(Activation::gelu), "gelu");
  EXPECT_STREQ(to_string(Schedule::warmup_cosine), "warmup_cosine");
  EXPECT_STREQ(to_string(Attention::bidirectional), "bidirectional");
  EXPECT_STREQ(to_string(SplitKind::ood), "ood");
  EXPECT_STREQ(to_string(BidirectionalForm::symmetric), "symmetric");
  EXPECT_STREQ(to_string(TableInit::normal_0_02), "normal_0.02");
}

}  // namespace
