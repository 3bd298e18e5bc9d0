#include "models/encoding.hpp"

namespace pebench {

template <typename T>
void Encoding<T>::configure(const json& options) {
  options_reader(options).finish();
}

template <typename T>
OptionsReader Encoding<T>::options_reader(const json& options) const {
  return OptionsReader::plugin_options(options, "encoding '" + name() + "'");
}

Registry<EncodingFactory>& encoding_registry() {
  static Registry<EncodingFactory> registry("encoding");
  return registry;
}

EncodingRegistrar::EncodingRegistrar(const char* name, EncodingFactory factory, const char* abi_tag) {
  encoding_registry().add(name, std::move(factory), abi_tag);
}

template <typename T>
std::unique_ptr<Encoding<T>> make_encoding(const std::string& name, const json& options) {
  const auto& factory = encoding_registry().get(name);
  std::unique_ptr<Encoding<T>> encoding;
  if constexpr (std::is_same_v<T, float>) encoding = factory.make_float();
  else encoding = factory.make_double();
  encoding->set_name(name);
  encoding->configure(options);
  return encoding;
}

template class Encoding<float>;
template class Encoding<double>;
template std::unique_ptr<Encoding<float>> make_encoding<float>(const std::string&, const json&);
template std::unique_ptr<Encoding<double>> make_encoding<double>(const std::string&, const json&);

}  // namespace pebench
