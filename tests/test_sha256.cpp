// SHA-256 against the FIPS 180-4 example vectors (NIST CSRC "Examples with
// intermediate values"): the digests that identify plugin files in results.
#include <gtest/gtest.h>

#include <fstream>

#include "common/sha256.hpp"
#include "tests/cli_runner.hpp"

using namespace pebench;

TEST(Sha256, MatchesTheStandardTestVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Two blocks: the padding spills into a second 64-byte block.
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FileDigestEqualsTheDigestOfItsBytes) {
  const auto dir = pebench::testing::fresh_temp_dir("sha256");
  std::string bytes;
  for (int i = 0; i < 200000; ++i) bytes += static_cast<char>(i * 7 % 256);  // spans several read buffers
  std::ofstream(dir / "blob", std::ios::binary) << bytes;
  EXPECT_EQ(sha256_file_hex(dir / "blob"), sha256_hex(bytes));
  EXPECT_THROW(sha256_file_hex(dir / "absent"), std::runtime_error);
  std::filesystem::remove_all(dir);
}
