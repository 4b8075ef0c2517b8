/*
 * matgrad native backend: a Node-API (N-API) addon calling a system CBLAS
 * (OpenBLAS) for float64 GEMM on Float64Array arguments.
 *
 * Exports (all synchronous, row-major BLAS semantics as in src/kernels/gemm.ts):
 *   dgemm(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc)
 *   dgemmBatch(transA, transB, m, n, k, alpha, A, aOff, lda, strideA,
 *              B, bOff, ldb, strideB, beta, C, cOff, ldc, strideC, batch)
 *   getThreads() -> number, setThreads(n), info() -> { config, corename, parallel, threads, cpus }
 *   dgetrf, dgetri, dpotrf, dsyevd, dgesdd: LAPACK on column-major matrices (see below)
 *
 * Every addressed element is bounds-checked against its typed array before the
 * BLAS call (a bad offset or leading dimension throws a RangeError instead of
 * corrupting memory). Semantics follow the portable kernel: with beta = 0, C is
 * not read; with alpha = 0 or k = 0, A and B are not read (C = beta·C).
 */
#include <node_api.h>
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OpenBLAS extensions (declared in OpenBLAS's cblas.h; repeated here so the
   file also compiles against a cblas.h that lacks them, still linking OpenBLAS). */
extern void openblas_set_num_threads(int num_threads);
extern int openblas_get_num_threads(void);
extern int openblas_get_num_procs(void);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);
extern int openblas_get_parallel(void);

#define OP "gemm (native)"
#define MAX_ARGS 20
#define INT_LIMIT 2147483647.0

#define CHECK_NAPI(env, call)                                      \
  do {                                                             \
    if ((call) != napi_ok) {                                       \
      napi_throw_error((env), NULL, OP ": internal N-API failure"); \
      return NULL;                                                 \
    }                                                              \
  } while (0)

typedef struct {
  double *data;
  size_t length;
} f64view;

static int get_bool(napi_env env, napi_value v, const char *name, int *out) {
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, OP ": %s must be a boolean", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  *out = b ? 1 : 0;
  return 1;
}

static int get_double(napi_env env, napi_value v, const char *name, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, OP ": %s must be a number", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

/* A non-negative integer below 2^31 (BLAS ints are 32-bit here). */
static int get_index(napi_env env, napi_value v, const char *name, int64_t *out) {
  double d;
  if (!get_double(env, v, name, &d)) return 0;
  if (!(d >= 0 && d <= INT_LIMIT) || floor(d) != d) {
    char msg[160];
    snprintf(msg, sizeof msg, OP ": %s must be an integer in [0, 2^31) (got %g)", name, d);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  *out = (int64_t)d;
  return 1;
}

static int get_f64(napi_env env, napi_value v, const char *name, f64view *out) {
  bool is_ta = false;
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_float64_array) {
    char msg[128];
    snprintf(msg, sizeof msg, OP ": %s must be a Float64Array", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  out->data = (double *)data;
  out->length = length;
  return 1;
}

/*
 * The stored rows × cols block at element offset off with leading dimension ld
 * (row-major), repeated `count` times `stride` apart, must lie inside the array.
 */
static int check_region(napi_env env, const char *name, const f64view *a, int64_t off, int64_t rows,
                        int64_t cols, int64_t ld, int64_t stride, int64_t count) {
  char msg[256];
  if (rows == 0 || cols == 0 || count == 0) return 1;
  if (ld < cols) {
    snprintf(msg, sizeof msg, OP ": leading dimension of %s (%lld) is less than its stored width %lld", name,
             (long long)ld, (long long)cols);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  /* all quantities are < 2^31, so this fits comfortably in 64 bits */
  int64_t last = off + (count - 1) * stride + (rows - 1) * ld + cols;
  if (last > (int64_t)a->length) {
    snprintf(msg, sizeof msg,
             OP ": %s (%lld×%lld stored, offset %lld, leading dimension %lld%s) reaches element %lld of an array of length %lld",
             name, (long long)rows, (long long)cols, (long long)off, (long long)ld, count > 1 ? ", batched" : "",
             (long long)(last - 1), (long long)a->length);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

/* C = beta·C on an m × n block (beta = 0: C is not read). */
static void scale_c(double *c, int64_t m, int64_t n, int64_t ldc, double beta) {
  if (beta == 1) return;
  for (int64_t i = 0; i < m; i++) {
    double *row = c + i * ldc;
    if (beta == 0)
      memset(row, 0, (size_t)n * sizeof(double));
    else
      for (int64_t j = 0; j < n; j++) row[j] *= beta;
  }
}

typedef struct {
  int transA, transB;
  int64_t m, n, k;
  double alpha, beta;
  f64view A, B, C;
  int64_t aOff, lda, sA, bOff, ldb, sB, cOff, ldc, sC, batch;
} gemm_args;

/* Parse and validate the arguments; batched = 0 for dgemm, 1 for dgemmBatch. */
static int parse(napi_env env, napi_callback_info info, int batched, gemm_args *g) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  size_t want = batched ? 20 : 16;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, OP ": internal N-API failure");
    return 0;
  }
  if (argc < want) {
    char msg[96];
    snprintf(msg, sizeof msg, OP ": expected %zu arguments, got %zu", want, argc);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  size_t i = 0;
  if (!get_bool(env, argv[i++], "transA", &g->transA) || !get_bool(env, argv[i++], "transB", &g->transB) ||
      !get_index(env, argv[i++], "m", &g->m) || !get_index(env, argv[i++], "n", &g->n) ||
      !get_index(env, argv[i++], "k", &g->k) || !get_double(env, argv[i++], "alpha", &g->alpha) ||
      !get_f64(env, argv[i++], "A", &g->A) || !get_index(env, argv[i++], "aOff", &g->aOff) ||
      !get_index(env, argv[i++], "lda", &g->lda))
    return 0;
  g->sA = g->sB = g->sC = 0;
  g->batch = 1;
  if (batched && !get_index(env, argv[i++], "strideA", &g->sA)) return 0;
  if (!get_f64(env, argv[i++], "B", &g->B) || !get_index(env, argv[i++], "bOff", &g->bOff) ||
      !get_index(env, argv[i++], "ldb", &g->ldb))
    return 0;
  if (batched && !get_index(env, argv[i++], "strideB", &g->sB)) return 0;
  if (!get_double(env, argv[i++], "beta", &g->beta) || !get_f64(env, argv[i++], "C", &g->C) ||
      !get_index(env, argv[i++], "cOff", &g->cOff) || !get_index(env, argv[i++], "ldc", &g->ldc))
    return 0;
  if (batched && (!get_index(env, argv[i++], "strideC", &g->sC) || !get_index(env, argv[i++], "batch", &g->batch)))
    return 0;

  const int readsAB = g->alpha != 0 && g->k > 0;
  if (readsAB) {
    int64_t ar = g->transA ? g->k : g->m, ac = g->transA ? g->m : g->k;
    int64_t br = g->transB ? g->n : g->k, bc = g->transB ? g->k : g->n;
    if (g->m > 0 && g->n > 0 &&
        (!check_region(env, "A", &g->A, g->aOff, ar, ac, g->lda, g->sA, g->batch) ||
         !check_region(env, "B", &g->B, g->bOff, br, bc, g->ldb, g->sB, g->batch)))
      return 0;
  }
  if (!check_region(env, "C", &g->C, g->cOff, g->m, g->n, g->ldc, g->sC, g->batch)) return 0;
  return 1;
}

static void run(const gemm_args *g) {
  if (g->m == 0 || g->n == 0 || g->batch == 0) return;
  if (g->alpha == 0 || g->k == 0) {
    for (int64_t t = 0; t < g->batch; t++) scale_c(g->C.data + g->cOff + t * g->sC, g->m, g->n, g->ldc, g->beta);
    return;
  }
  for (int64_t t = 0; t < g->batch; t++)
    cblas_dgemm(CblasRowMajor, g->transA ? CblasTrans : CblasNoTrans, g->transB ? CblasTrans : CblasNoTrans,
                (int)g->m, (int)g->n, (int)g->k, g->alpha, g->A.data + g->aOff + t * g->sA,
                (int)g->lda, g->B.data + g->bOff + t * g->sB, (int)g->ldb, g->beta,
                g->C.data + g->cOff + t * g->sC, (int)g->ldc);
}

static napi_value dgemm(napi_env env, napi_callback_info info) {
  gemm_args g;
  if (parse(env, info, 0, &g)) run(&g);
  return NULL;
}

static napi_value dgemm_batch(napi_env env, napi_callback_info info) {
  gemm_args g;
  if (parse(env, info, 1, &g)) run(&g);
  return NULL;
}

static napi_value get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK_NAPI(env, napi_create_int32(env, openblas_get_num_threads(), &out));
  return out;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t n;
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_index(env, argv[0], "threads", &n)) return NULL;
  if (n < 1) {
    napi_throw_range_error(env, NULL, OP ": threads must be at least 1");
    return NULL;
  }
  openblas_set_num_threads((int)n);
  return NULL;
}

static int set_string(napi_env env, napi_value obj, const char *key, const char *s) {
  napi_value v;
  return napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &v) == napi_ok &&
         napi_set_named_property(env, obj, key, v) == napi_ok;
}

static int set_int(napi_env env, napi_value obj, const char *key, int x) {
  napi_value v;
  return napi_create_int32(env, x, &v) == napi_ok && napi_set_named_property(env, obj, key, v) == napi_ok;
}

static napi_value get_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj;
  static const char *parallel_names[] = {"sequential", "pthreads", "openmp"};
  int p = openblas_get_parallel();
  CHECK_NAPI(env, napi_create_object(env, &obj));
  if (!set_string(env, obj, "config", openblas_get_config()) ||
      !set_string(env, obj, "corename", openblas_get_corename()) ||
      !set_string(env, obj, "parallel", p >= 0 && p <= 2 ? parallel_names[p] : "unknown") ||
      !set_int(env, obj, "threads", openblas_get_num_threads()) ||
      !set_int(env, obj, "cpus", openblas_get_num_procs())) {
    napi_throw_error(env, NULL, OP ": internal N-API failure");
    return NULL;
  }
  return obj;
}


/* ------------------------------------------------------------------------- */
/* LAPACK (OpenBLAS bundles it): factorizations on COLUMN-MAJOR matrices.     */
/*                                                                           */
/*   dgetrf(m, n, A, aOff, lda, ipiv) -> info          (ipiv: Int32Array, 1-based)
 *   dgetri(n, A, aOff, lda, ipiv) -> info
 *   dpotrf(lower, n, A, aOff, lda) -> info
 *   dsyevd(wantV, lower, n, A, aOff, lda, W) -> info  (eigenvectors overwrite A)
 *   dgesdd(job, m, n, A, aOff, lda, S, U, ldu, VT, ldvt) -> info
 *          job: 0 = values only ('N'), 1 = thin ('S'), 2 = full ('A'); A is destroyed
 * Every region is bounds-checked like the GEMM arguments (a row-major r×c block
 * with leading dimension ld is the column-major c×r block with the same ld).
 * Workspace is queried (lwork = -1) and allocated here. Character arguments
 * get the hidden Fortran length arguments (1), harmless for C implementations. */

extern void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
extern void dgetri_(const int *n, double *a, const int *lda, const int *ipiv, double *work, const int *lwork,
                    int *info);
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t);
extern void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                    double *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t, size_t);
extern void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s, double *u,
                    const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork, int *iwork,
                    int *info, size_t);

#undef OP
#define OP "lapack (native)"

typedef struct {
  int32_t *data;
  size_t length;
} i32view;

static int get_i32(napi_env env, napi_value v, const char *name, i32view *out) {
  bool is_ta = false;
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_int32_array) {
    char msg[128];
    snprintf(msg, sizeof msg, OP ": %s must be an Int32Array", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  out->data = (int32_t *)data;
  out->length = length;
  return 1;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = MAX_ARGS;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, OP ": internal N-API failure");
    return 0;
  }
  if (argc < want) {
    char msg[96];
    snprintf(msg, sizeof msg, OP ": expected %zu arguments, got %zu", want, argc);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static int check_len(napi_env env, const char *name, size_t have, int64_t need) {
  if ((int64_t)have < need) {
    char msg[160];
    snprintf(msg, sizeof msg, OP ": %s has %zu elements, needs %lld", name, have, (long long)need);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static napi_value ret_int(napi_env env, int x) {
  napi_value out;
  CHECK_NAPI(env, napi_create_int32(env, x, &out));
  return out;
}

static napi_value oom(napi_env env) {
  napi_throw_error(env, NULL, OP ": out of memory for the LAPACK workspace");
  return NULL;
}

/* column-major m×n at off with leading dimension ld >= max(1, m) inside a */
static int check_cm(napi_env env, const char *name, const f64view *a, int64_t off, int64_t m, int64_t n, int64_t ld) {
  if (ld < (m > 1 ? m : 1)) {
    char msg[128];
    snprintf(msg, sizeof msg, OP ": leading dimension of %s (%lld) is less than %lld", name, (long long)ld,
             (long long)m);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  return check_region(env, name, a, off, n, m, ld, 0, 1);
}

static napi_value lp_dgetrf(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int64_t m, n, off, lda;
  f64view A;
  i32view piv;
  if (!get_args(env, info, 6, argv) || !get_index(env, argv[0], "m", &m) || !get_index(env, argv[1], "n", &n) ||
      !get_f64(env, argv[2], "A", &A) || !get_index(env, argv[3], "aOff", &off) ||
      !get_index(env, argv[4], "lda", &lda) || !get_i32(env, argv[5], "ipiv", &piv) ||
      !check_cm(env, "A", &A, off, m, n, lda) || !check_len(env, "ipiv", piv.length, m < n ? m : n))
    return NULL;
  int im = (int)m, in = (int)n, ild = (int)(lda > 0 ? lda : 1), inf = 0;
  if (m > 0 && n > 0) dgetrf_(&im, &in, A.data + off, &ild, piv.data, &inf);
  return ret_int(env, inf);
}

static napi_value lp_dgetri(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int64_t n, off, lda;
  f64view A;
  i32view piv;
  if (!get_args(env, info, 5, argv) || !get_index(env, argv[0], "n", &n) || !get_f64(env, argv[1], "A", &A) ||
      !get_index(env, argv[2], "aOff", &off) || !get_index(env, argv[3], "lda", &lda) ||
      !get_i32(env, argv[4], "ipiv", &piv) || !check_cm(env, "A", &A, off, n, n, lda) ||
      !check_len(env, "ipiv", piv.length, n))
    return NULL;
  if (n == 0) return ret_int(env, 0);
  int in = (int)n, ild = (int)lda, inf = 0, lwork = -1;
  double q = 0;
  dgetri_(&in, A.data + off, &ild, piv.data, &q, &lwork, &inf);
  lwork = (int)q > in ? (int)q : in;
  double *work = malloc((size_t)lwork * sizeof(double));
  if (!work) return oom(env);
  dgetri_(&in, A.data + off, &ild, piv.data, work, &lwork, &inf);
  free(work);
  return ret_int(env, inf);
}

static napi_value lp_dpotrf(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int lower;
  int64_t n, off, lda;
  f64view A;
  if (!get_args(env, info, 5, argv) || !get_bool(env, argv[0], "lower", &lower) ||
      !get_index(env, argv[1], "n", &n) || !get_f64(env, argv[2], "A", &A) ||
      !get_index(env, argv[3], "aOff", &off) || !get_index(env, argv[4], "lda", &lda) ||
      !check_cm(env, "A", &A, off, n, n, lda))
    return NULL;
  if (n == 0) return ret_int(env, 0);
  int in = (int)n, ild = (int)lda, inf = 0;
  dpotrf_(lower ? "L" : "U", &in, A.data + off, &ild, &inf, 1);
  return ret_int(env, inf);
}

static napi_value lp_dsyevd(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int wantV, lower;
  int64_t n, off, lda;
  f64view A, W;
  if (!get_args(env, info, 7, argv) || !get_bool(env, argv[0], "wantV", &wantV) ||
      !get_bool(env, argv[1], "lower", &lower) || !get_index(env, argv[2], "n", &n) ||
      !get_f64(env, argv[3], "A", &A) || !get_index(env, argv[4], "aOff", &off) ||
      !get_index(env, argv[5], "lda", &lda) || !get_f64(env, argv[6], "W", &W) ||
      !check_cm(env, "A", &A, off, n, n, lda) || !check_len(env, "W", W.length, n))
    return NULL;
  if (n == 0) return ret_int(env, 0);
  int in = (int)n, ild = (int)lda, inf = 0, lwork = -1, liwork = -1, iq = 0;
  double q = 0;
  const char *jobz = wantV ? "V" : "N", *uplo = lower ? "L" : "U";
  dsyevd_(jobz, uplo, &in, A.data + off, &ild, W.data, &q, &lwork, &iq, &liwork, &inf, 1, 1);
  lwork = (int)q;
  liwork = iq > 1 ? iq : 1;
  double *work = malloc((size_t)(lwork > 1 ? lwork : 1) * sizeof(double));
  int *iwork = malloc((size_t)liwork * sizeof(int));
  if (!work || !iwork) {
    free(work);
    free(iwork);
    return oom(env);
  }
  dsyevd_(jobz, uplo, &in, A.data + off, &ild, W.data, work, &lwork, iwork, &liwork, &inf, 1, 1);
  free(work);
  free(iwork);
  return ret_int(env, inf);
}

static napi_value lp_dgesdd(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int64_t job, m, n, off, lda, ldu, ldvt;
  f64view A, S, U, VT;
  if (!get_args(env, info, 11, argv) || !get_index(env, argv[0], "job", &job) ||
      !get_index(env, argv[1], "m", &m) || !get_index(env, argv[2], "n", &n) || !get_f64(env, argv[3], "A", &A) ||
      !get_index(env, argv[4], "aOff", &off) || !get_index(env, argv[5], "lda", &lda) ||
      !get_f64(env, argv[6], "S", &S) || !get_f64(env, argv[7], "U", &U) || !get_index(env, argv[8], "ldu", &ldu) ||
      !get_f64(env, argv[9], "VT", &VT) || !get_index(env, argv[10], "ldvt", &ldvt))
    return NULL;
  if (job > 2) {
    napi_throw_range_error(env, NULL, OP ": dgesdd job must be 0 (values), 1 (thin) or 2 (full)");
    return NULL;
  }
  int64_t k = m < n ? m : n;
  int64_t ucols = job == 2 ? m : k, vtrows = job == 2 ? n : k;
  if (!check_cm(env, "A", &A, off, m, n, lda) || !check_len(env, "S", S.length, k)) return NULL;
  if (job > 0 && (!check_cm(env, "U", &U, 0, m, ucols, ldu) || !check_cm(env, "VT", &VT, 0, vtrows, n, ldvt)))
    return NULL;
  if (k == 0) return ret_int(env, 0);
  const char *jobz = job == 0 ? "N" : job == 1 ? "S" : "A";
  int im = (int)m, in = (int)n, ild = (int)lda, ildu = (int)(ldu > 0 ? ldu : 1), ildvt = (int)(ldvt > 0 ? ldvt : 1);
  int inf = 0, lwork = -1;
  double q = 0, dummy = 0;
  int *iwork = malloc((size_t)(8 * k) * sizeof(int));
  if (!iwork) return oom(env);
  double *u = job > 0 ? U.data : &dummy, *vt = job > 0 ? VT.data : &dummy;
  dgesdd_(jobz, &im, &in, A.data + off, &ild, S.data, u, &ildu, vt, &ildvt, &q, &lwork, iwork, &inf, 1);
  lwork = (int)q > 1 ? (int)q : 1;
  double *work = malloc((size_t)lwork * sizeof(double));
  if (!work) {
    free(iwork);
    return oom(env);
  }
  dgesdd_(jobz, &im, &in, A.data + off, &ild, S.data, u, &ildu, vt, &ildvt, work, &lwork, iwork, &inf, 1);
  free(work);
  free(iwork);
  return ret_int(env, inf);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"dgemm", NULL, dgemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dgemmBatch", NULL, dgemm_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getThreads", NULL, get_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, get_info, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dgetrf", NULL, lp_dgetrf, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dgetri", NULL, lp_dgetri, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dpotrf", NULL, lp_dpotrf, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dsyevd", NULL, lp_dsyevd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dgesdd", NULL, lp_dgesdd, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
