// T2I Lab's native training kernels: the FLOP-heavy work of the wasm backend (GEMM and the
// three convolution kernels), run on the CPU's full vector width and on every core.
//
// Why: tfjs' wasm build computes with 128-bit SIMD and no FMA, about 30 GFLOP/s a core;
// PyTorch on the same core uses 256-bit FMA. This Node-API addon works in place on the wasm
// heap (the kernels receive a Float32Array over wasm memory and element offsets), so tensors
// never leave the wasm backend: the JS side (models/backend/kernels/nativeCpu.ts) allocates
// outputs with the backend and calls in here. Built from source by scripts/build-native.mjs;
// when it cannot be built or loaded, the wasm/XNNPACK kernels run instead.
//
// Layout: row-major, NHWC images, HWIO filters, as tfjs.
//   gemm     C[M,N] (+)= op(A)[M,K] op(B)[K,N]: BLIS-style packing, a 6x16 register tile
//   conv2d   out[P, CO] = im2col(x)[P, KKC] @ W[KKC, CO], P = batch*outH*outW, in chunks of
//            pixels so the patch matrix stays in cache
//   conv2dBackpropFilter  dW = sum over pixel chunks of col^T @ dy, a partial sum per thread
//   conv2dBackpropInput   stride 1: conv2d of dy with the flipped, in/out-swapped filter;
//            otherwise dcol = dy @ W^T then col2im, one thread per image (no write races)
//   reduceRows, avgPoolGradTiling, resizeNearestGrad: memory-bound loops wasm runs slowly
//   adamUpdate: one optimiser step per variable in one pass (a dozen wasm ops otherwise)
//   copyRows, tile: the block copies behind SplitV, Concat and Tile
// Tried and dropped: packing the conv GEMM's panels straight from x (implicit GEMM, no patch
// matrix) measured slower over dcgan-bench's layers (filter gradients 48 vs 28 ms, forward 29 vs
// 26 ms), since the per-tap index arithmetic costs more than the cached im2col chunk it saves.
// Results are deterministic for a given thread count (each output element has one owner
// and a fixed summation order).
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#define T2I_X86 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define T2I_SIMD_NAME "avx2+fma"
#else
#define T2I_SIMD_NAME "generic"
#endif

namespace {

// ---------------------------------------------------------------------------------------------
// GEMM
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));

constexpr int MR = 6, NR = 16;
constexpr int KC = 256, MC = 96, NC = 2048;

inline v8 load8(const float* p) { return *reinterpret_cast<const v8u*>(p); }
inline void store8(float* p, v8 v) { *reinterpret_cast<v8u*>(p) = v; }

// c[MR x NR] (+)= a-sliver (kc x MR) times b-sliver (kc x NR); full tiles only write C directly.
void microKernel(int kc, const float* __restrict a, const float* __restrict b, float* c, int ldc,
                 bool accumulate, int mr, int nr) {
  v8 c00 = {}, c01 = {}, c10 = {}, c11 = {}, c20 = {}, c21 = {};
  v8 c30 = {}, c31 = {}, c40 = {}, c41 = {}, c50 = {}, c51 = {};
  for (int p = 0; p < kc; p++, a += MR, b += NR) {
    const v8 b0 = load8(b), b1 = load8(b + 8);  // packed B need not be 32-byte aligned
    c00 += a[0] * b0; c01 += a[0] * b1;
    c10 += a[1] * b0; c11 += a[1] * b1;
    c20 += a[2] * b0; c21 += a[2] * b1;
    c30 += a[3] * b0; c31 += a[3] * b1;
    c40 += a[4] * b0; c41 += a[4] * b1;
    c50 += a[5] * b0; c51 += a[5] * b1;
  }
  const v8 rows[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (mr == MR && nr == NR) {
    for (int r = 0; r < MR; r++) {
      float* cr = c + static_cast<size_t>(r) * ldc;
      if (accumulate) {
        store8(cr, load8(cr) + rows[r][0]);
        store8(cr + 8, load8(cr + 8) + rows[r][1]);
      } else {
        store8(cr, rows[r][0]);
        store8(cr + 8, rows[r][1]);
      }
    }
    return;
  }
  alignas(32) float tile[MR][NR];
  for (int r = 0; r < MR; r++) {
    *reinterpret_cast<v8*>(&tile[r][0]) = rows[r][0];
    *reinterpret_cast<v8*>(&tile[r][8]) = rows[r][1];
  }
  for (int r = 0; r < mr; r++) {
    float* cr = c + static_cast<size_t>(r) * ldc;
    if (accumulate) for (int j = 0; j < nr; j++) cr[j] += tile[r][j];
    else for (int j = 0; j < nr; j++) cr[j] = tile[r][j];
  }
}

struct Matrix {
  const float* data;
  int ld;        // row stride of the stored (untransposed) array
  bool transposed;
  // element (i, p) of op(X)
  float at(int i, int p) const { return transposed ? data[static_cast<size_t>(p) * ld + i] : data[static_cast<size_t>(i) * ld + p]; }
};

// packA[(i / MR) * kc * MR + p * MR + i % MR] = op(A)(i0 + i, p0 + p), zero past mc.
void packA(const Matrix& A, int i0, int mc, int p0, int kc, float* __restrict out) {
  for (int is = 0; is < mc; is += MR) {
    const int rows = std::min(MR, mc - is);
    float* dst = out + static_cast<size_t>(is) * kc;
    if (!A.transposed) {
      for (int r = 0; r < rows; r++) {
        const float* src = A.data + static_cast<size_t>(i0 + is + r) * A.ld + p0;
        for (int p = 0; p < kc; p++) dst[p * MR + r] = src[p];
      }
    } else {
      for (int p = 0; p < kc; p++) {
        const float* src = A.data + static_cast<size_t>(p0 + p) * A.ld + i0 + is;
        for (int r = 0; r < rows; r++) dst[p * MR + r] = src[r];
      }
    }
    if (rows < MR) for (int p = 0; p < kc; p++) for (int r = rows; r < MR; r++) dst[p * MR + r] = 0.f;
  }
}

// packB[(j / NR) * kc * NR + p * NR + j % NR] = op(B)(p0 + p, j0 + j), zero past nc.
void packB(const Matrix& B, int p0, int kc, int j0, int nc, float* __restrict out) {
  for (int js = 0; js < nc; js += NR) {
    const int cols = std::min(NR, nc - js);
    float* dst = out + static_cast<size_t>(js) * kc;
    if (!B.transposed) {
      for (int p = 0; p < kc; p++) {
        const float* src = B.data + static_cast<size_t>(p0 + p) * B.ld + j0 + js;
        float* d = dst + p * NR;
        if (cols == NR) store8(d, load8(src)), store8(d + 8, load8(src + 8));
        else { for (int j = 0; j < cols; j++) d[j] = src[j]; for (int j = cols; j < NR; j++) d[j] = 0.f; }
      }
    } else {
      for (int j = 0; j < cols; j++) {
        const float* src = B.data + static_cast<size_t>(j0 + js + j) * B.ld + p0;
        for (int p = 0; p < kc; p++) dst[p * NR + j] = src[p];
      }
      if (cols < NR) for (int p = 0; p < kc; p++) for (int j = cols; j < NR; j++) dst[p * NR + j] = 0.f;
    }
  }
}

// Per-thread packing buffers, grown on demand and kept.
struct Scratch {
  float* a = nullptr; size_t aSize = 0;
  float* b = nullptr; size_t bSize = 0;
  float* col = nullptr; size_t colSize = 0;
  float* acc = nullptr; size_t accSize = 0;
  static float* grow(float*& p, size_t& size, size_t want) {
    if (want > size) {
      std::free(p);
      size = (want + 1023) & ~size_t(1023);
      p = static_cast<float*>(std::aligned_alloc(64, size * sizeof(float)));
      if (!p) { size = 0; throw std::bad_alloc(); }
    }
    return p;
  }
};
thread_local Scratch scratch;

// One thread's C[M,N] (+)= op(A) op(B) over rows [i0, i1) and columns [j0, j1).
void gemmBlock(const Matrix& A, const Matrix& B, float* C, int ldc, int K, bool accumulate,
               int i0, int i1, int j0, int j1) {
  if (i1 <= i0 || j1 <= j0) return;
  if (K == 0) {
    if (!accumulate) for (int i = i0; i < i1; i++) std::fill(C + static_cast<size_t>(i) * ldc + j0, C + static_cast<size_t>(i) * ldc + j1, 0.f);
    return;
  }
  float* pa = Scratch::grow(scratch.a, scratch.aSize, static_cast<size_t>(MC + MR) * KC);
  float* pb = Scratch::grow(scratch.b, scratch.bSize, static_cast<size_t>(NC + NR) * KC);
  for (int jc = j0; jc < j1; jc += NC) {
    const int nc = std::min(NC, j1 - jc);
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = std::min(KC, K - pc);
      packB(B, pc, kc, jc, nc, pb);
      const bool acc = accumulate || pc > 0;
      for (int ic = i0; ic < i1; ic += MC) {
        const int mc = std::min(MC, i1 - ic);
        packA(A, ic, mc, pc, kc, pa);
        for (int jr = 0; jr < nc; jr += NR) {
          const float* bs = pb + static_cast<size_t>(jr) * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            microKernel(kc, pa + static_cast<size_t>(ir) * kc, bs, C + static_cast<size_t>(ic + ir) * ldc + jc + jr, ldc,
                        acc, std::min(MR, mc - ir), std::min(NR, nc - jr));
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Thread pool: the calling thread is worker 0. Workers are detached and the pool is never
// freed, so nothing blocks process exit. A call that finds the pool busy (another Node
// worker thread using the addon) runs on its own thread alone.
class Pool {
 public:
  int size() const { return size_; }
  void resize(int n) {
    std::lock_guard<std::mutex> busy(busy_);
    n = std::max(1, std::min(n, 64));
    while (static_cast<int>(started_) < n - 1) {
      const int id = ++started_;
      std::thread([this, id] { workerLoop(id); }).detach();
    }
    size_ = n;
  }
  // Runs fn(t, threads) for t in [0, threads); returns when all are done.
  void run(int threads, const std::function<void(int, int)>& fn) {
    threads = std::max(1, std::min(threads, size_));
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (threads == 1 || !busy.owns_lock()) { fn(0, 1); return; }
    {
      std::lock_guard<std::mutex> lock(m_);
      job_ = &fn; jobThreads_ = threads; pending_ = threads - 1; generation_++;
    }
    wake_.notify_all();
    fn(0, threads);
    std::unique_lock<std::mutex> lock(m_);
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  void workerLoop(int id) {
    unsigned long seen = 0;
    for (;;) {
      const std::function<void(int, int)>* job;
      int threads;
      {
        std::unique_lock<std::mutex> lock(m_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        job = job_; threads = jobThreads_;
      }
      if (id < threads) {
        (*job)(id, threads);
        std::lock_guard<std::mutex> lock(m_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }
  std::mutex busy_, m_;
  std::condition_variable wake_, done_;
  const std::function<void(int, int)>* job_ = nullptr;
  int jobThreads_ = 1, pending_ = 0, size_ = 1;
  unsigned long generation_ = 0;
  std::atomic<int> started_{0};
};
Pool& pool() { static Pool* p = new Pool(); return *p; }

inline int ceilDiv(long a, long b) { return static_cast<int>((a + b - 1) / b); }

// Threads for `work` multiply-adds: below ~1e5 the wake-up costs more than it saves.
int threadsFor(double work) { return work < 1e5 ? 1 : pool().size(); }

// C[M,N] (+)= op(A) op(B), split over threads along M or N (whichever has more tiles).
void gemm(const Matrix& A, const Matrix& B, float* C, int ldc, int M, int N, int K, bool accumulate) {
  const int threads = threadsFor(static_cast<double>(M) * N * K);
  const int tilesM = ceilDiv(M, MR), tilesN = ceilDiv(N, NR);
  pool().run(threads, [&](int t, int T) {
    if (tilesM >= tilesN) {
      const int per = ceilDiv(tilesM, T);
      gemmBlock(A, B, C, ldc, K, accumulate, std::min(M, t * per * MR), std::min(M, (t + 1) * per * MR), 0, N);
    } else {
      const int per = ceilDiv(tilesN, T);
      gemmBlock(A, B, C, ldc, K, accumulate, 0, M, std::min(N, t * per * NR), std::min(N, (t + 1) * per * NR));
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Convolutions
struct Geometry {
  int batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft;
  long pixels() const { return static_cast<long>(batch) * outH * outW; }
  int kkc() const { return kH * kW * inC; }
};

// col[r, (kh, kw, c)] for output pixels [p0, p0 + rows): contiguous runs of inC, zeros outside.
void im2colRows(const float* x, const Geometry& g, long p0, int rows, float* col) {
  const int kkc = g.kkc();
  for (int r = 0; r < rows; r++) {
    const long p = p0 + r;
    const int ow = static_cast<int>(p % g.outW);
    const long rest = p / g.outW;
    const int oh = static_cast<int>(rest % g.outH), b = static_cast<int>(rest / g.outH);
    float* dst = col + static_cast<size_t>(r) * kkc;
    for (int kh = 0; kh < g.kH; kh++) {
      const int ih = oh * g.strideH + kh * g.dilH - g.padTop;
      for (int kw = 0; kw < g.kW; kw++, dst += g.inC) {
        const int iw = ow * g.strideW + kw * g.dilW - g.padLeft;
        if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) { std::memset(dst, 0, sizeof(float) * g.inC); continue; }
        std::memcpy(dst, x + ((static_cast<size_t>(b) * g.inH + ih) * g.inW + iw) * g.inC, sizeof(float) * g.inC);
      }
    }
  }
}

bool isPointwise(const Geometry& g) {
  return g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0 &&
         g.outH == g.inH && g.outW == g.inW;
}

// Pixels per patch chunk: about 1 MB of patches, a multiple of MR.
int chunkRows(const Geometry& g) {
  int rows = std::max(MR, (256 * 1024) / std::max(1, g.kkc()));
  return std::min(1024, rows / MR * MR);
}

void conv2dForward(const float* x, const float* w, float* out, const Geometry& g) {
  const long P = g.pixels();
  const int kkc = g.kkc();
  const Matrix W{w, g.outC, false};
  if (isPointwise(g)) { gemm(Matrix{x, g.inC, false}, W, out, g.outC, static_cast<int>(P), g.outC, kkc, false); return; }
  const int chunk = chunkRows(g);
  const int chunks = ceilDiv(P, chunk);
  const int threads = std::min(chunks, threadsFor(static_cast<double>(P) * kkc * g.outC));
  pool().run(threads, [&](int t, int T) {
    float* col = Scratch::grow(scratch.col, scratch.colSize, static_cast<size_t>(chunk) * kkc);
    for (int c = t; c < chunks; c += T) {
      const long p0 = static_cast<long>(c) * chunk;
      const int rows = static_cast<int>(std::min<long>(chunk, P - p0));
      im2colRows(x, g, p0, rows, col);
      gemmBlock(Matrix{col, kkc, false}, W, out + static_cast<size_t>(p0) * g.outC, g.outC, kkc, false, 0, rows, 0, g.outC);
    }
  });
}

void conv2dBackpropFilter(const float* x, const float* dy, float* dw, const Geometry& g) {
  const long P = g.pixels();
  const int kkc = g.kkc();
  if (isPointwise(g)) {
    gemm(Matrix{x, g.inC, true}, Matrix{dy, g.outC, false}, dw, g.outC, kkc, g.outC, static_cast<int>(P), false);
    return;
  }
  const int chunk = chunkRows(g);
  const int chunks = ceilDiv(P, chunk);
  const int threads = std::min(chunks, threadsFor(static_cast<double>(P) * kkc * g.outC));
  const size_t size = static_cast<size_t>(kkc) * g.outC;
  std::vector<float*> partial(threads, nullptr);
  // The pool may run fewer threads than asked (busy with another Node thread's call): only
  // the partials of the threads that ran are added.
  int ran = 1;
  pool().run(threads, [&](int t, int T) {
    if (t == 0) ran = T;
    float* col = Scratch::grow(scratch.col, scratch.colSize, static_cast<size_t>(chunk) * kkc);
    float* acc = t == 0 ? dw : Scratch::grow(scratch.acc, scratch.accSize, size);
    partial[t] = acc;
    bool first = true;
    // Contiguous chunk ranges per thread: the summation order depends only on T.
    const int per = ceilDiv(chunks, T);
    for (int c = t * per; c < std::min(chunks, (t + 1) * per); c++) {
      const long p0 = static_cast<long>(c) * chunk;
      const int rows = static_cast<int>(std::min<long>(chunk, P - p0));
      im2colRows(x, g, p0, rows, col);
      gemmBlock(Matrix{col, kkc, true}, Matrix{dy + static_cast<size_t>(p0) * g.outC, g.outC, false}, acc, g.outC, rows,
                !first, 0, kkc, 0, g.outC);
      first = false;
    }
    if (first) std::fill(acc, acc + size, 0.f);
  });
  for (int t = 1; t < ran; t++) for (size_t i = 0; i < size; i++) dw[i] += partial[t][i];
}

// dx[b, ih, iw, c] += col[(b, oh, ow), (kh, kw, c)] over one image's patches.
void col2imImage(const float* col, const Geometry& g, int b, float* dx) {
  const int kkc = g.kkc();
  float* xb = dx + static_cast<size_t>(b) * g.inH * g.inW * g.inC;
  for (int oh = 0; oh < g.outH; oh++) {
    for (int ow = 0; ow < g.outW; ow++, col += kkc) {
      const float* src = col;
      for (int kh = 0; kh < g.kH; kh++) {
        const int ih = oh * g.strideH + kh * g.dilH - g.padTop;
        for (int kw = 0; kw < g.kW; kw++, src += g.inC) {
          const int iw = ow * g.strideW + kw * g.dilW - g.padLeft;
          if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) continue;
          float* d = xb + (static_cast<size_t>(ih) * g.inW + iw) * g.inC;
          for (int c = 0; c < g.inC; c++) d[c] += src[c];
        }
      }
    }
  }
}

void conv2dBackpropInput(const float* dy, const float* w, float* dx, const Geometry& g) {
  const int padBottom = (g.outH - 1) * g.strideH + (g.kH - 1) * g.dilH + 1 - g.inH - g.padTop;
  const int padRight = (g.outW - 1) * g.strideW + (g.kW - 1) * g.dilW + 1 - g.inW - g.padLeft;
  const int fullTop = (g.kH - 1) * g.dilH - g.padTop, fullLeft = (g.kW - 1) * g.dilW - g.padLeft;
  const int fullBottom = (g.kH - 1) * g.dilH - padBottom, fullRight = (g.kW - 1) * g.dilW - padRight;
  if (g.strideH == 1 && g.strideW == 1 && fullTop >= 0 && fullLeft >= 0 && fullBottom >= 0 && fullRight >= 0) {
    // dx = 'full' correlation of dy with w flipped in space, in/out channels swapped.
    std::vector<float> flipped(static_cast<size_t>(g.kH) * g.kW * g.outC * g.inC);
    for (int kh = 0; kh < g.kH; kh++)
      for (int kw = 0; kw < g.kW; kw++) {
        const float* src = w + ((static_cast<size_t>(g.kH - 1 - kh) * g.kW + (g.kW - 1 - kw)) * g.inC) * g.outC;
        float* dst = flipped.data() + ((static_cast<size_t>(kh) * g.kW + kw) * g.outC) * g.inC;
        for (int ci = 0; ci < g.inC; ci++)
          for (int co = 0; co < g.outC; co++) dst[static_cast<size_t>(co) * g.inC + ci] = src[static_cast<size_t>(ci) * g.outC + co];
      }
    const Geometry t{g.batch, g.outH, g.outW, g.outC, g.inH, g.inW, g.inC, g.kH, g.kW, 1, 1, g.dilH, g.dilW, fullTop, fullLeft};
    conv2dForward(dy, flipped.data(), dx, t);
    return;
  }
  // General stride: dcol = dy @ W^T per image, scattered back; one image per task.
  const int kkc = g.kkc();
  const int perImage = g.outH * g.outW;
  std::fill(dx, dx + static_cast<size_t>(g.batch) * g.inH * g.inW * g.inC, 0.f);
  const int threads = std::min(g.batch, threadsFor(static_cast<double>(g.pixels()) * kkc * g.outC));
  pool().run(threads, [&](int t, int T) {
    float* col = Scratch::grow(scratch.col, scratch.colSize, static_cast<size_t>(perImage) * kkc);
    for (int b = t; b < g.batch; b += T) {
      gemmBlock(Matrix{dy + static_cast<size_t>(b) * perImage * g.outC, g.outC, false}, Matrix{w, g.outC, true}, col, kkc,
                g.outC, false, 0, perImage, 0, kkc);
      col2imImage(col, g, b, dx);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Memory-bound helpers that wasm does slowly (a transpose before every reduction, scalar loops).

// out[c] = scale * sum over r of x[r, c]: the bias and batch-norm reductions over N, H, W.
void reduceRows(const float* x, float* out, long rows, int cols, float scale) {
  std::fill(out, out + cols, 0.f);
  for (long r = 0; r < rows; r++) {
    const float* xr = x + static_cast<size_t>(r) * cols;
    for (int c = 0; c < cols; c++) out[c] += xr[c];
  }
  if (scale != 1.f) for (int c = 0; c < cols; c++) out[c] *= scale;
}

// Average pool with windows that tile the image (fH x fW, stride = window, no padding):
// each dx pixel gets dy of its window / (fH * fW).
void avgPoolGradTiling(const float* dy, float* dx, int batch, int outH, int outW, int fH, int fW, int channels) {
  const float scale = 1.f / (fH * fW);
  const int inW = outW * fW;
  for (long r = 0; r < static_cast<long>(batch) * outH; r++) {
    for (int ow = 0; ow < outW; ow++) {
      const float* src = dy + (static_cast<size_t>(r) * outW + ow) * channels;
      for (int kh = 0; kh < fH; kh++) {
        float* d = dx + ((static_cast<size_t>(r) * fH + kh) * inW + static_cast<size_t>(ow) * fW) * channels;
        for (int kw = 0; kw < fW; kw++, d += channels) for (int c = 0; c < channels; c++) d[c] = src[c] * scale;
      }
    }
  }
}

// Adjoint of a nearest-neighbour resize, given each output row's and column's source index.
void resizeNearestGrad(const float* dy, float* dx, int batch, int inH, int inW, int outH, int outW, int channels,
                       const int32_t* rowSource, const int32_t* colSource) {
  std::fill(dx, dx + static_cast<size_t>(batch) * inH * inW * channels, 0.f);
  const float* src = dy;
  for (int b = 0; b < batch; b++)
    for (int r = 0; r < outH; r++) {
      float* row = dx + (static_cast<size_t>(b) * inH + rowSource[r]) * inW * channels;
      for (int c = 0; c < outW; c++, src += channels) {
        float* d = row + static_cast<size_t>(colSource[c]) * channels;
        for (int k = 0; k < channels; k++) d[k] += src[k];
      }
    }
}

// Block copies for SplitV, Concat and Slice along inner axes: wasm slices with a generic strided
// loop (~55 ms to split a [16, 64, 64, 32] GLU input in two). Data are moved as 4-byte words,
// so int32 tensors go through unchanged.
void copyRows(const float* src, float* dst, long rows, int len, long srcStride, long dstStride) {
  const int threads = threadsFor(static_cast<double>(rows) * len / 4);
  pool().run(threads, [&](int t, int n) {
    const long r0 = rows * t / n, r1 = rows * (t + 1) / n;
    for (long r = r0; r < r1; r++) std::memcpy(dst + r * dstStride, src + r * srcStride, sizeof(float) * len);
  });
}

// Tile: each output row (all axes but the last) copies its source row reps[last] times.
constexpr int TILE_RANK = 6;
void tile(const float* src, float* dst, int rank, const int32_t* inShape, const int32_t* reps) {
  long outRows = 1;
  for (int d = 0; d < rank - 1; d++) outRows *= static_cast<long>(inShape[d]) * reps[d];
  const int inner = inShape[rank - 1], outInner = inner * reps[rank - 1];
  const int threads = threadsFor(static_cast<double>(outRows) * outInner / 4);
  pool().run(threads, [&](int t, int n) {
    const long r0 = outRows * t / n, r1 = outRows * (t + 1) / n;
    for (long r = r0; r < r1; r++) {
      // Source row: each output index along axis d, modulo the input's size there.
      long rest = r, srcRow = 0, scale = 1;
      for (int d = rank - 2; d >= 0; d--) {
        const long outSize = static_cast<long>(inShape[d]) * reps[d];
        srcRow += (rest % outSize) % inShape[d] * scale;
        scale *= inShape[d];
        rest /= outSize;
      }
      const float* s = src + srcRow * inner;
      float* o = dst + r * outInner;
      for (int k = 0; k < reps[rank - 1]; k++) std::memcpy(o + static_cast<long>(k) * inner, s, sizeof(float) * inner);
    }
  });
}

// One Adam step in a single pass (PyTorch's rule, as models/train/adam.ts writes it in ops):
// m' = b1 m + (1 - b1) g;  v' = b2 v + (1 - b2) g^2;  w' = w - step * m' / (sqrt(v') / bc2 + eps).
void adamUpdate(const float* w, const float* g, const float* m, const float* v, float* wOut, float* mOut, float* vOut,
                long size, float b1, float b2, float step, float eps, float bc2) {
  const float c1 = 1.f - b1, c2 = 1.f - b2, inv = 1.f / bc2;
  for (long i = 0; i < size; i++) {
    const float mi = b1 * m[i] + c1 * g[i];
    const float vi = b2 * v[i] + c2 * (g[i] * g[i]);
    mOut[i] = mi;
    vOut[i] = vi;
    wOut[i] = w[i] - step * (mi / (std::sqrt(vi) * inv + eps));
  }
}

#ifdef T2I_X86
#pragma GCC pop_options
#endif

// ---------------------------------------------------------------------------------------------
// Node-API glue
bool cpuSupported() {
#ifdef T2I_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return true;
#endif
}

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, nullptr, "t2i-kernels: " #call " failed"); return nullptr; } } while (0)

struct Args {
  napi_env env;
  napi_value argv[8];
  size_t argc = 8;
  float* heap = nullptr;
  size_t heapLength = 0;
};

// argv[0] must be a Float32Array over the wasm heap.
bool readHeap(Args& a) {
  napi_typedarray_type type;
  void* data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(a.env, a.argv[0], &type, &a.heapLength, &data, &buffer, &offset) != napi_ok || type != napi_float32_array) {
    napi_throw_type_error(a.env, nullptr, "t2i-kernels: argument 0 must be a Float32Array over the wasm heap");
    return false;
  }
  a.heap = static_cast<float*>(data);
  return true;
}

bool readInts(Args& a, size_t index, int32_t* out, size_t count) {
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(a.env, a.argv[index], &type, &length, &data, &buffer, &offset) != napi_ok ||
      type != napi_int32_array || length < count) {
    napi_throw_type_error(a.env, nullptr, "t2i-kernels: expected an Int32Array of sizes");
    return false;
  }
  std::memcpy(out, data, count * sizeof(int32_t));
  return true;
}

// Bounds check: [offset, offset + count) inside the heap.
bool inHeap(Args& a, int64_t offset, int64_t count, const char* what) {
  if (offset < 0 || count < 0 || static_cast<uint64_t>(offset + count) > a.heapLength) {
    std::string message = std::string("t2i-kernels: ") + what + " lies outside the wasm heap";
    napi_throw_range_error(a.env, nullptr, message.c_str());
    return false;
  }
  return true;
}

// Reads a call's arguments: the heap (argument 0) and `count` sizes (argument 1); false when
// an error has been thrown.
bool begin(Args& a, napi_callback_info info, size_t minArgs, int32_t* sizes, size_t count) {
  if (napi_get_cb_info(a.env, info, &a.argc, a.argv, nullptr, nullptr) != napi_ok) {
    napi_throw_error(a.env, nullptr, "t2i-kernels: could not read the arguments");
    return false;
  }
  if (a.argc < minArgs) {
    napi_throw_type_error(a.env, nullptr, "t2i-kernels: too few arguments");
    return false;
  }
  return readHeap(a) && readInts(a, 1, sizes, count);
}

// Sizes [from, to) must be positive.
bool positive(Args& a, const int32_t* sizes, int from, int to, const char* what) {
  for (int i = from; i < to; i++) {
    if (sizes[i] > 0) continue;
    std::string message = std::string("t2i-kernels: ") + what + " sizes must be positive";
    napi_throw_range_error(a.env, nullptr, message.c_str());
    return false;
  }
  return true;
}

// gemm(heap, Int32Array[aOff, bOff, cOff, batch, M, N, K, transA, transB, strideA, strideB, accumulate])
// C[b] (+)= op(A[b]) op(B[b]); strideA/strideB in elements (0 broadcasts one matrix).
napi_value Gemm(napi_env env, napi_callback_info info) {
  Args a{env};
  int32_t s[12];
  if (!begin(a, info, 2, s, 12)) return nullptr;
  const int batch = s[3], M = s[4], N = s[5], K = s[6];
  const bool tA = s[7] != 0, tB = s[8] != 0, accumulate = s[11] != 0;
  const int64_t strideA = s[9], strideB = s[10];
  if (batch < 0 || M < 0 || N < 0 || K < 0) { napi_throw_range_error(env, nullptr, "t2i-kernels: negative gemm size"); return nullptr; }
  if (!inHeap(a, s[0], (batch > 0 ? (batch - 1) * strideA : 0) + static_cast<int64_t>(M) * K, "A") ||
      !inHeap(a, s[1], (batch > 0 ? (batch - 1) * strideB : 0) + static_cast<int64_t>(K) * N, "B") ||
      !inHeap(a, s[2], static_cast<int64_t>(batch) * M * N, "C")) return nullptr;
  for (int b = 0; b < batch; b++) {
    const Matrix A{a.heap + s[0] + b * strideA, tA ? M : K, tA};
    const Matrix B{a.heap + s[1] + b * strideB, tB ? K : N, tB};
    gemm(A, B, a.heap + s[2] + static_cast<int64_t>(b) * M * N, N, M, N, K, accumulate);
  }
  return nullptr;
}

// conv(heap, Int32Array[geometry x 15, in0, in1, out]): which = 0 forward (x, w -> y),
// 1 filter gradient (x, dy -> dw), 2 input gradient (dy, w -> dx).
template <int which>
napi_value Conv(napi_env env, napi_callback_info info) {
  Args a{env};
  int32_t s[18];
  if (!begin(a, info, 2, s, 18) || !positive(a, s, 0, 13, "conv")) return nullptr;
  const Geometry g{s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13], s[14]};
  const int64_t xSize = static_cast<int64_t>(g.batch) * g.inH * g.inW * g.inC;
  const int64_t ySize = static_cast<int64_t>(g.pixels()) * g.outC;
  const int64_t wSize = static_cast<int64_t>(g.kkc()) * g.outC;
  const int64_t sizes[3][3] = {{xSize, wSize, ySize}, {xSize, ySize, wSize}, {ySize, wSize, xSize}};
  if (!inHeap(a, s[15], sizes[which][0], "input 0") || !inHeap(a, s[16], sizes[which][1], "input 1") ||
      !inHeap(a, s[17], sizes[which][2], "output")) return nullptr;
  float* h = a.heap;
  if (which == 0) conv2dForward(h + s[15], h + s[16], h + s[17], g);
  else if (which == 1) conv2dBackpropFilter(h + s[15], h + s[16], h + s[17], g);
  else conv2dBackpropInput(h + s[15], h + s[16], h + s[17], g);
  return nullptr;
}

// reduceRows(heap, Int32Array[xOff, outOff, rows, cols, mean])
napi_value ReduceRows(napi_env env, napi_callback_info info) {
  Args a{env};
  int32_t s[5];
  if (!begin(a, info, 2, s, 5) || !positive(a, s, 2, 4, "reduceRows")) return nullptr;
  if (!inHeap(a, s[0], static_cast<int64_t>(s[2]) * s[3], "x") || !inHeap(a, s[1], s[3], "out")) return nullptr;
  reduceRows(a.heap + s[0], a.heap + s[1], s[2], s[3], s[4] ? 1.f / s[2] : 1.f);
  return nullptr;
}

// avgPoolGradTiling(heap, Int32Array[dyOff, dxOff, batch, outH, outW, fH, fW, channels])
napi_value AvgPoolGradTiling(napi_env env, napi_callback_info info) {
  Args a{env};
  int32_t s[8];
  if (!begin(a, info, 2, s, 8) || !positive(a, s, 2, 8, "avgPoolGrad")) return nullptr;
  const int64_t dySize = static_cast<int64_t>(s[2]) * s[3] * s[4] * s[7];
  if (!inHeap(a, s[0], dySize, "dy") || !inHeap(a, s[1], dySize * s[5] * s[6], "dx")) return nullptr;
  avgPoolGradTiling(a.heap + s[0], a.heap + s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
  return nullptr;
}

// copyRows(heap, Int32Array[srcOff, dstOff, rows, len, srcStride, dstStride]): row r of len
// words from src + r * srcStride to dst + r * dstStride.
napi_value CopyRows(napi_env env, napi_callback_info info) {
  Args a{env};
  int32_t s[6];
  if (!begin(a, info, 2, s, 6) || !positive(a, s, 2, 4, "copyRows")) return nullptr;
  if (s[4] < 0 || s[5] < 0) { napi_throw_range_error(env, nullptr, "t2i-kernels: copyRows strides must not be negative"); return nullptr; }
  const int64_t last = static_cast<int64_t>(s[2]) - 1;
  if (!inHeap(a, s[0], last * s[4] + s[3], "source") || !inHeap(a, s[1], last * s[5] + s[3], "destination")) return nullptr;
  copyRows(a.heap + s[0], a.heap + s[1], s[2], s[3], s[4], s[5]);
  return nullptr;
}

// tile(heap, Int32Array[srcOff, dstOff, rank, inShape x 6, reps x 6])
napi_value Tile(napi_env env, napi_callback_info info) {
  Args a{env};
  int32_t s[3 + 2 * TILE_RANK];
  if (!begin(a, info, 2, s, 3 + 2 * TILE_RANK)) return nullptr;
  const int rank = s[2];
  if (rank < 1 || rank > TILE_RANK) { napi_throw_range_error(env, nullptr, "t2i-kernels: tile rank must be 1 to 6"); return nullptr; }
  if (!positive(a, s, 3, 3 + rank, "tile input") || !positive(a, s, 3 + TILE_RANK, 3 + TILE_RANK + rank, "tile reps")) return nullptr;
  int64_t inSize = 1, outSize = 1;
  for (int d = 0; d < rank; d++) { inSize *= s[3 + d]; outSize *= static_cast<int64_t>(s[3 + d]) * s[3 + TILE_RANK + d]; }
  if (!inHeap(a, s[0], inSize, "source") || !inHeap(a, s[1], outSize, "destination")) return nullptr;
  tile(a.heap + s[0], a.heap + s[1], rank, s + 3, s + 3 + TILE_RANK);
  return nullptr;
}

// resizeNearestGrad(heap, Int32Array[dyOff, dxOff, batch, inH, inW, outH, outW, channels], rowSource, colSource)
napi_value ResizeNearestGrad(napi_env env, napi_callback_info info) {
  Args a{env};
  int32_t s[8];
  if (!begin(a, info, 4, s, 8) || !positive(a, s, 2, 8, "resize")) return nullptr;
  std::vector<int32_t> rows(s[5]), cols(s[6]);
  if (!readInts(a, 2, rows.data(), rows.size()) || !readInts(a, 3, cols.data(), cols.size())) return nullptr;
  for (int32_t r : rows) if (r < 0 || r >= s[3]) { napi_throw_range_error(env, nullptr, "t2i-kernels: resize row source out of range"); return nullptr; }
  for (int32_t c : cols) if (c < 0 || c >= s[4]) { napi_throw_range_error(env, nullptr, "t2i-kernels: resize column source out of range"); return nullptr; }
  if (!inHeap(a, s[0], static_cast<int64_t>(s[2]) * s[5] * s[6] * s[7], "dy") ||
      !inHeap(a, s[1], static_cast<int64_t>(s[2]) * s[3] * s[4] * s[7], "dx")) return nullptr;
  resizeNearestGrad(a.heap + s[0], a.heap + s[1], s[2], s[3], s[4], s[5], s[6], s[7], rows.data(), cols.data());
  return nullptr;
}

// adamUpdate(heap, Int32Array[w, g, m, v, wOut, mOut, vOut, size], Float32Array[b1, b2, step, eps, bc2])
napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  Args a{env};
  int32_t s[8];
  if (!begin(a, info, 3, s, 8)) return nullptr;
  napi_typedarray_type type;
  size_t length, offset;
  void* data;
  napi_value buffer;
  if (napi_get_typedarray_info(env, a.argv[2], &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_float32_array || length < 5) {
    napi_throw_type_error(env, nullptr, "t2i-kernels: adamUpdate needs a Float32Array [beta1, beta2, step, eps, bc2]");
    return nullptr;
  }
  const float* h = static_cast<const float*>(data);
  const char* names[7] = {"w", "g", "m", "v", "w out", "m out", "v out"};
  for (int i = 0; i < 7; i++) if (!inHeap(a, s[i], s[7], names[i])) return nullptr;
  float* p = a.heap;
  adamUpdate(p + s[0], p + s[1], p + s[2], p + s[3], p + s[4], p + s[5], p + s[6], s[7], h[0], h[1], h[2], h[3], h[4]);
  return nullptr;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n = 1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok) { napi_throw_type_error(env, nullptr, "t2i-kernels: setThreads(n)"); return nullptr; }
  pool().resize(n);
  napi_value result;
  CHECK(napi_create_int32(env, pool().size(), &result));
  return result;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value result, simd, threads;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_string_utf8(env, T2I_SIMD_NAME, NAPI_AUTO_LENGTH, &simd));
  CHECK(napi_create_int32(env, pool().size(), &threads));
  CHECK(napi_set_named_property(env, result, "simd", simd));
  CHECK(napi_set_named_property(env, result, "threads", threads));
  return result;
}

}  // namespace

NAPI_MODULE_INIT() {
  if (!cpuSupported()) {
    napi_throw_error(env, nullptr, "t2i-kernels: this CPU lacks AVX2/FMA, which the build targets");
    return nullptr;
  }
  const struct { const char* name; napi_callback fn; } fns[] = {
    {"gemm", Gemm}, {"conv2d", Conv<0>}, {"conv2dBackpropFilter", Conv<1>}, {"conv2dBackpropInput", Conv<2>},
    {"reduceRows", ReduceRows}, {"avgPoolGradTiling", AvgPoolGradTiling}, {"resizeNearestGrad", ResizeNearestGrad},
    {"adamUpdate", AdamUpdate}, {"copyRows", CopyRows}, {"tile", Tile}, {"setThreads", SetThreads}, {"info", Info},
  };
  for (const auto& f : fns) {
    napi_value fn;
    if (napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &fn) != napi_ok ||
        napi_set_named_property(env, exports, f.name, fn) != napi_ok) return nullptr;
  }
  return exports;
}
