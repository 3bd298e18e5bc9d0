#include "models/encodings/support/bipe.hpp"

#include <algorithm>

namespace pebench {

void bipe_segment_ids(int* segment, int* intra, const uint8_t* boundary, int batch, int seq_len,
                      int max_intra) {
  for (int b = 0; b < batch; ++b) {
    int current = 0, start = 0;
    for (int t = 0; t < seq_len; ++t) {
      const size_t n = static_cast<size_t>(b) * seq_len + t;
      segment[n] = current;
      intra[n] = std::min(t - start, max_intra);
      if (boundary && boundary[n]) {  // t is the last token of its segment
        ++current;
        start = t + 1;
      }
    }
  }
}

}  // namespace pebench
