// The int8 beat-classifier model: reader/validator of the .ecgm file format (docs/MODEL_FORMAT.md), arena
// planning, and the interpreter that runs the ops in file order. Load validates everything and never crashes on
// bad input: it returns a Status and a precise message. After a successful load, running a beat performs no
// heap allocation: all activations and scratch live in one arena sized at load.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>
#include "kernels.h"
#include "status.h"

namespace ecg {
namespace nn {

constexpr uint8_t kMagic[4] = {'E', 'C', 'G', 'M'};
constexpr uint16_t kFormatMajor = 2;
constexpr uint16_t kFormatMinor = 2;  // 2.2: int16 activations inside the model (conv1d, maxpool1d, lstm and gap inputs)
constexpr size_t kHeaderBytes = 64;
constexpr size_t kSpecBytes = 64;      // format 2.0 input spec
constexpr size_t kSpecExtBytes = 80;   // from 2.1: + beat channels and template window
constexpr int kMaxBeatChannels = 4;
constexpr size_t kTensorRecordBytes = 40;
constexpr size_t kOpRecordBytes = 56;
constexpr size_t kDigestBytes = 32;
constexpr int kMaxOpTensors = 10;
constexpr int kMaxOpParams = 8;
constexpr uint16_t kNoTensor = 0xFFFF;

enum class DType : uint8_t { kInt8 = 1, kInt16 = 2, kInt32 = 3 };

enum class OpCode : uint16_t {
  kConv1d = 1,
  kDense = 2,
  kMaxPool1d = 3,
  kAvgPool1d = 4,
  kGlobalAvgPool1d = 5,
  kLstm = 6,
  kAttention = 7,
  kAdd = 8,
  kConcat = 9,
  kSoftmax = 10,
  kClamp = 11,
  kReshape = 12,
  kDense2 = 13,
};

// Input-spec enums (must match src/nn/format.ts).
enum class FilterKind : uint8_t { kNone = 0, kEcgClean = 1 };
enum class NormKind : uint8_t { kNone = 0, kZscorePerBeat = 1 };
enum class RRFeature : uint8_t {
  kPreOverRecordAvg = 1,
  kPostOverRecordAvg = 2,
  kPreOverLocalAvg = 3,
  kPostOverLocalAvg = 4,
  kIrregularity = 5,  // running mean of |p_k − p_{k−1}|, p = pre / localAvg (format 2.1)
  kPostOverPre = 6,   // post / pre (format 2.1)
};
constexpr int kMaxRRCode = 6;
// Channels of the beat input [length, C], time-major (value (t, c) at t·C + c).
enum class BeatChannel : uint8_t { kBeat = 1, kBeatTemplate = 2 };

struct InputSpec {
  float fs = 0, fs_model = 0;
  int decimation = 1, before = 0, after = 0, length = 0;
  FilterKind filter = FilterKind::kNone;
  int mains = 0;
  NormKind normalization = NormKind::kNone;
  float norm_eps = 0;
  int n_rr = 0;
  uint8_t rr_features[8] = {0};
  int rr_record_window = 0, rr_local_window = 0;
  float rr_clamp_min = 0, rr_clamp_max = 0;
  char arch[21] = {0};
  int n_channels = 1;                        // beat input channels C (a 2.0 file: 1, 'beat')
  uint8_t channels[kMaxBeatChannels] = {1, 0, 0, 0};
  int template_window = 0;                   // beats (>= 1 with a 'beat-template' channel, else 0)
};

struct Tensor {
  DType dtype = DType::kInt8;
  bool is_const = false;
  int rank = 0;
  int32_t dims[4] = {0, 0, 0, 0};
  size_t count = 0;
  size_t bytes = 0;
  float scale = 0;
  int32_t zero_point = 0;
  const uint8_t* data = nullptr;  // constants: into the file copy; activations: into the arena (set at plan)
  int16_t* wide = nullptr;        // int8 weights widened and packed for the optimized path (persistent arena)
  int8_t* quad = nullptr;         // int8 weights packed in quads for the 8-bit VNNI GEMM (persistent arena), or null
  int32_t* wsum = nullptr;        // their row sums
  int producer = -2;              // op index, -1 for model inputs, -2 none
  int last_use = -1;
};

struct Op {
  OpCode code = OpCode::kConv1d;
  int n = 0;
  uint16_t t[kMaxOpTensors] = {0};
  int32_t p[kMaxOpParams] = {0};
  size_t scratch = 0;
};

class Model {
 public:
  Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  /** Copies and validates a model file; on failure returns the status and error() explains precisely. */
  Status load(const uint8_t* bytes, size_t n);
  const char* error() const { return err_; }

  /** Classifies one beat: beat[length × C] (time-major) and rr[n_rr] are the float inputs the float model takes.
   *  probs[n_classes] receives the probabilities, *label the arg-max class (from the int16 logits). */
  Status classify(const float* beat, const float* rr, float* probs, int* label, KernelPath path = KernelPath::kOptimized);
  /** Runs the ops on the already-set int8 inputs (input_beat()/input_rr()). */
  Status invoke(KernelPath path);

  /** The beat input buffer: input_beat() when the file keeps it at 8 bits, input_beat16() at 16 bits (else null). */
  int8_t* input_beat();
  int16_t* input_beat16();
  int8_t* input_rr();
  const int16_t* logits() const;
  const int16_t* probs_q15() const;

  const InputSpec& spec() const { return spec_; }
  int n_classes() const { return n_classes_; }
  const char* class_name(int i) const { return (i >= 0 && i < n_classes_) ? class_names_[i] : ""; }
  size_t arena_bytes() const { return arena_bytes_; }
  size_t persistent_bytes() const { return persistent_bytes_; }
  size_t activation_bytes() const { return activation_bytes_; }
  size_t scratch_bytes() const { return scratch_bytes_; }
  const std::vector<Tensor>& tensors() const { return tensors_; }
  const std::vector<Op>& ops() const { return ops_; }
  const uint8_t* digest() const { return digest_; }
  bool loaded() const { return loaded_; }

 private:
  Status fail(Status s, const char* fmt, ...);
  Status parse_spec(const uint8_t* p, size_t n);
  Status parse_classes(const uint8_t* p, size_t n);
  Status parse_tensor(int i, const uint8_t* rec, const uint8_t* data, size_t data_size);
  Status parse_op(int i, const uint8_t* rec);
  Status check_op(int i);
  Status plan();

  std::vector<uint8_t> blob_;
  std::vector<Tensor> tensors_;
  std::vector<Op> ops_;
  std::unique_ptr<uint8_t[]> arena_mem_;
  uint8_t* arena_ = nullptr;
  uint8_t* scratch_ = nullptr;
  size_t arena_bytes_ = 0, persistent_bytes_ = 0, activation_bytes_ = 0, scratch_bytes_ = 0;
  InputSpec spec_;
  int n_classes_ = 0;
  char class_names_[16][16] = {{0}};
  uint16_t beat_ = kNoTensor, rr_ = kNoTensor, logits_ = kNoTensor, probs_ = kNoTensor;
  uint8_t digest_[32] = {0};
  uint16_t minor_ = 0;  // format minor version of the file being read
  bool loaded_ = false;
  char err_[320] = {0};
};

}  // namespace nn
}  // namespace ecg
