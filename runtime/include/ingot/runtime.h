/*===- runtime.h - The Ingot runtime's C API ------------------------------===*
 *
 * Loads a model.ingot artifact and runs it. The runtime has no dependency on
 * LLVM or MLIR: a deployment host needs this library and the artifact.
 *
 *   ingot_model *model = ingot_model_load("model.ingot", 0);
 *   if (!model) { fprintf(stderr, "%s\n", ingot_last_error()); ... }
 *   ingot_session *session = ingot_session_create(model);   // one per thread
 *   ingot_tensor x = {"x", INGOT_FLOAT32, 2, dims, data};
 *   if (ingot_session_run(session, &x, 1) != 0) { ... ingot_last_error() ... }
 *   ingot_tensor y;
 *   ingot_session_output(session, 0, &y);   // valid until the next run
 *   ingot_session_free(session);
 *   ingot_model_free(model);
 *
 * A loaded model is immutable and may be shared by threads; a session holds
 * one run's memory (its arena) and is used by one thread at a time. Tensors
 * are dense and row-major. Functions that can fail return NULL or non-zero
 * and leave a one-line message in ingot_last_error() (per thread).
 *===----------------------------------------------------------------------===*/

#ifndef INGOT_RUNTIME_H
#define INGOT_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ingot_dtype {
  INGOT_FLOAT32, INGOT_FLOAT64, INGOT_FLOAT16, INGOT_BFLOAT16,
  INGOT_INT8, INGOT_INT16, INGOT_INT32, INGOT_INT64,
  INGOT_UINT8, INGOT_UINT16, INGOT_UINT32, INGOT_UINT64,
  INGOT_BOOL,
  /* One byte per element, as ml_dtypes stores them: */
  INGOT_FLOAT8E4M3FN, INGOT_FLOAT8E4M3FNUZ, INGOT_FLOAT8E5M2, INGOT_FLOAT8E5M2FNUZ,
  INGOT_INT4, INGOT_UINT4, INGOT_INT2, INGOT_UINT2
} ingot_dtype;

/* The last dtype, for range checks. */
#define INGOT_DTYPE_LAST INGOT_UINT2

/* NumPy's name for a dtype ("float32", ...), and its size in bytes. */
const char *ingot_dtype_name(ingot_dtype dtype);
size_t ingot_dtype_size(ingot_dtype dtype);

/* A tensor: the caller's (inputs) or the session's (outputs). */
typedef struct ingot_tensor {
  const char *name;
  ingot_dtype dtype;
  int32_t rank;
  const int64_t *dims;
  void *data;
} ingot_tensor;

/* A declared input or output: dims[d] is -1 where the dim is symbolic, and
 * dim_names[d] then names it ("batch"), or is "" when the model does not. */
typedef struct ingot_tensor_info {
  const char *name;
  ingot_dtype dtype;
  int32_t rank;
  const int64_t *dims;
  const char *const *dim_names;
} ingot_tensor_info;

typedef struct ingot_model ingot_model;
typedef struct ingot_session ingot_session;

/* The last error on this thread, or "" when there was none. */
const char *ingot_last_error(void);

/* Loads an artifact: checks its format version, size, checksum and the CPU
 * features it needs, maps its weights read-only and readies its code.
 * `threads` sizes the model's thread pool (0: every core of this host). */
ingot_model *ingot_model_load(const char *path, int32_t threads);
void ingot_model_free(ingot_model *model);

int32_t ingot_model_num_inputs(const ingot_model *model);
int32_t ingot_model_num_outputs(const ingot_model *model);
/* Fill `info` (valid while the model lives); non-zero if out of range. */
int ingot_model_input(const ingot_model *model, int32_t index, ingot_tensor_info *info);
int ingot_model_output(const ingot_model *model, int32_t index, ingot_tensor_info *info);
/* The manifest (JSON text), valid while the model lives. */
const char *ingot_model_manifest(const ingot_model *model);
/* Bytes of the arena each session allocates (planned at compile time). */
uint64_t ingot_model_arena_bytes(const ingot_model *model);
int32_t ingot_model_threads(const ingot_model *model);

/* Reads an artifact's manifest without loading its code, as `ingot inspect`
 * does: checks format version, size and checksum, not CPU features.
 * Returns a string to release with free(), or NULL. */
char *ingot_read_manifest(const char *path);

ingot_session *ingot_session_create(ingot_model *model);
void ingot_session_free(ingot_session *session);

/* Runs the model on `inputs`, matched to the model's inputs by name; every
 * input must be given once, with the declared dtype and rank, static dims
 * equal, and a symbolic dim the same wherever its name appears. Input data
 * are read in place, not copied. Returns 0, or non-zero with an error. */
int ingot_session_run(ingot_session *session, const ingot_tensor *inputs, int32_t num_inputs);

/* Output `index` of the last successful run; its data and dims stay valid
 * until the session runs again or is freed. */
int ingot_session_output(const ingot_session *session, int32_t index, ingot_tensor *output);

/* Like ingot_session_output, but the caller takes the output's memory
 * instead of copying it: `output->data` stays valid until the caller passes
 * `*owner` to ingot_buffer_free (the session allocates anew next run). dims
 * are valid until the next run, as above. Each output can be taken once per
 * run. */
int ingot_session_take_output(ingot_session *session, int32_t index, ingot_tensor *output,
                              void **owner);
void ingot_buffer_free(void *owner);

/* Wall time of one parallel region of the code (a fused group of ONNX
 * nodes: a convolution with its epilogue, an elementwise chain), summed
 * over the runs a session timed. */
typedef struct {
  const char *function; /* the region's function in the code */
  const char *nodes;    /* the ONNX nodes it computes, "Conv conv_9, Clip relu6_10"; or "" */
  int64_t calls;
  double seconds;
} ingot_region_time;

/* Turns per-region timing of the session's runs on (clearing what it
 * measured before) or off. Timing costs two clock reads per region. */
int ingot_session_set_profiling(ingot_session *session, int enabled);

/* Writes up to `capacity` regions of what the session timed, in the order
 * they first ran, and returns how many there are (-1 on a null session).
 * `runs` and `run_seconds` (each may be null) receive how many runs were
 * timed and their whole time; what the regions do not account for ran
 * outside them. Strings live as long as the model. */
int32_t ingot_session_profile(const ingot_session *session, ingot_region_time *regions,
                              int32_t capacity, int64_t *runs, double *run_seconds);

#ifdef __cplusplus
}
#endif

#endif /* INGOT_RUNTIME_H */
