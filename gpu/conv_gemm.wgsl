// Convolutions as implicit GEMM: the im2col matrix is never stored; each tile load computes
// which image element (or zero, in the padding) a GEMM entry is. Tiles as in matmul.wgsl, but
// rectangular: a TM×TN workgroup computes 4TM×4TN outputs, 4×4 per invocation, K in steps of
// BK through shared vec4 tiles; few output channels get short wide tiles (TM = 2: 8 rows)
// instead of wasting most of a square one. MODE picks the three products a conv layer needs:
//   0 conv2d:                 Y[n, g·Og+m, p]  = Σ_k W[g·Og+m, k] · im2col(X)[k, p]
//   1 conv_transpose2d:       Y[n, g·Og+m, p]  = Σ_k W[g·Cg+c, m, ki, kj] · X[n, g·Cg+c, (h+ph−ki·dh)/sh, …]
//   2 conv2d_backward_weight: dW[g·Og+m, col] = Σ_(n,p) dY[n, g·Og+m, p] · im2col(X)[col, (n,p)]
// k (or col) = (c, ki, kj) over Cg·kh·kw; p = (oh, ow). The batch grid z is n·groups + g
// (modes 0, 1) or g (mode 2).
//
// The geometry is compiled in (GEOM, one pipeline per layer shape): the index arithmetic of
// every tile load then divides by constants, which compilers turn into multiplies — integer
// division by a runtime value is the slowest thing a GPU (or a CPU rasteriser) does here.
// GEOM = [M, N, K, groups, Cg, Og, C, H, W, O, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw, has_bias, batch]
// (C, H, W): the image read by im2col (mode 1: the transposed conv's input); (O, OH, OW):
// the output channels and window grid (mode 1: the transposed conv's output).
const G = array<u32, 22>({{GEOM}});

// SPLIT > 1 (mode 2 only: K = N·OH·OW is long, the output small): grid z = g·SPLIT + s, split
// s sums its share of K into its own slice of c, [SPLIT, O, N]; a reduction adds the slices.
const SPLIT = {{SPLIT}}u;

// [first z] (grids taller than one dispatch go in several)
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

const TM = {{TM}}u;
const TN = {{TN}}u;
const BK = 16u;
const THREADS = TM * TN;
// As[k][m/4] and Bs[k][n/4]
var<workgroup> As: array<vec4<f32>, BK * TM>;
var<workgroup> Bs: array<vec4<f32>, BK * TN>;

// B (the image side) four columns at a time. A thread's B columns are the same at every k, so
// what depends on the column alone is worked out once (Cols), and what depends on k once per
// four loads (b4): the index arithmetic was most of the work of a small conv.
struct Cols {
  // modes 0, 1: the window's top-left row/column (1: before the tap offset); mode 2: the tap's offset
  h: vec4<i32>,
  w: vec4<i32>,
  // mode 2: the tap's channel plane offset
  plane: vec4<i32>,
  valid: vec4<bool>,
}

fn cols_of(g: u32, n0: u32) -> Cols {
  let col = vec4<u32>(n0, n0 + 1u, n0 + 2u, n0 + 3u);
  let valid = col < vec4<u32>(G[1]);
  if ({{MODE}} == 2) {
    // col = (c, ki, kj) of the filter
    let khw = G[12] * G[13];
    let ch = vec4<u32>(g * G[4]) + col / khw;
    let ki = (col % khw) / G[13];
    let kj = col % G[13];
    return Cols(
      vec4<i32>(ki * G[18]) - i32(G[16]),
      vec4<i32>(kj * G[19]) - i32(G[17]),
      vec4<i32>(ch * G[7] * G[8]),
      valid,
    );
  }
  // col = (oh, ow) of the output
  let oh = vec4<i32>(col / G[11]);
  let ow = vec4<i32>(col % G[11]);
  if ({{MODE}} == 0) {
    return Cols(oh * i32(G[14]) - i32(G[16]), ow * i32(G[15]) - i32(G[17]), vec4<i32>(0), valid);
  }
  return Cols(oh + i32(G[16]), ow + i32(G[17]), vec4<i32>(0), valid);
}

fn gather(at: vec4<i32>, inside: vec4<bool>) -> vec4<f32> {
  let i = vec4<u32>(select(vec4<i32>(0), at, inside));
  return select(vec4<f32>(0.0), vec4<f32>(b[i.x], b[i.y], b[i.z], b[i.w]), inside);
}

fn b4(z: u32, k: u32, cols: Cols) -> vec4<f32> {
  let H = i32(G[7]);
  let W = i32(G[8]);
  let g = z % G[3];
  if ({{MODE}} == 2) {
    // k = (n, oh, ow) of dY
    let ohw = G[10] * G[11];
    let p = k % ohw;
    let ih = vec4<i32>(i32((p / G[11]) * G[14])) + cols.h;
    let iw = vec4<i32>(i32((p % G[11]) * G[15])) + cols.w;
    let inside = cols.valid & (ih >= vec4<i32>(0)) & (ih < vec4<i32>(H)) & (iw >= vec4<i32>(0)) & (iw < vec4<i32>(W));
    return gather(vec4<i32>(i32((k / ohw) * G[6] * G[7] * G[8])) + cols.plane + ih * W + iw, inside);
  }
  // k = (c, ki, kj) of the filter
  let khw = G[12] * G[13];
  let ch = g * G[4] + k / khw;
  let ki = i32((k % khw) / G[13]);
  let kj = i32(k % G[13]);
  let plane = i32(((z / G[3]) * G[6] + ch) * G[7] * G[8]);
  if ({{MODE}} == 0) {
    let ih = cols.h + ki * i32(G[18]);
    let iw = cols.w + kj * i32(G[19]);
    let inside = cols.valid & (ih >= vec4<i32>(0)) & (ih < vec4<i32>(H)) & (iw >= vec4<i32>(0)) & (iw < vec4<i32>(W));
    return gather(vec4<i32>(plane) + ih * W + iw, inside);
  }
  // mode 1: output (oh, ow) takes input ((oh + ph − ki·dh) / sh, …) where that divides exactly
  let sh = i32(G[14]);
  let sw = i32(G[15]);
  let h = cols.h - ki * i32(G[18]);
  let w = cols.w - kj * i32(G[19]);
  let hs = h / sh;
  let ws = w / sw;
  let inside = cols.valid & (h >= vec4<i32>(0)) & (w >= vec4<i32>(0)) & (hs * sh == h) & (ws * sw == w) &
    (hs < vec4<i32>(H)) & (ws < vec4<i32>(W));
  return gather(vec4<i32>(plane) + hs * W + ws, inside);
}

fn load_a(z: u32, m: u32, k: u32) -> f32 {
  let g = z % G[3];
  if ({{MODE}} == 0) { return a[(g * G[5] + m) * G[2] + k]; }
  if ({{MODE}} == 1) {
    let khw = G[12] * G[13];
    return a[((g * G[4] + k / khw) * G[5] + m) * khw + k % khw];
  }
  // mode 2: k runs over (n, p) of dY
  let ohw = G[10] * G[11];
  return a[((k / ohw) * G[9] + g * G[5] + m) * ohw + k % ohw];
}

fn store(z: u32, m: u32, col: u32, v: f32, split: u32) {
  let g = z % G[3];
  let channel = g * G[5] + m;
  let bias_v = select(0.0, bias[min(channel, arrayLength(&bias) - 1u)], G[20] == 1u);
  if ({{MODE}} == 2) {
    c[(split * G[9] + channel) * G[1] + col] = v;
  } else {
    c[((z / G[3]) * G[9] + channel) * G[1] + col] = v + bias_v;
  }
}

fn a_at(z: u32, m: u32, k: u32) -> f32 {
  if (m >= G[0] || k >= G[2]) { return 0.0; }
  return load_a(z, m, k);
}

fn store4(z: u32, row: u32, col: u32, v: vec4<f32>, split: u32) {
  if (row >= G[0]) { return; }
  let N = G[1];
  if (col < N) { store(z, row, col, v.x, split); }
  if (col + 1u < N) { store(z, row, col + 1u, v.y, split); }
  if (col + 2u < N) { store(z, row, col + 2u, v.z, split); }
  if (col + 3u < N) { store(z, row, col + 3u, v.w, split); }
}

@compute @workgroup_size(TN, TM)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let zs = wid.z + params[0];
  let z = zs / SPLIT;
  let split = zs % SPLIT;
  // this split's share of K, in whole BK steps
  let chunk = ((G[2] + SPLIT * BK - 1u) / (SPLIT * BK)) * BK;
  let k_begin = split * chunk;
  let K = min(G[2], k_begin + chunk);
  let tx = lid.x;
  let ty = lid.y;
  let t = ty * TN + tx;
  let row0 = wid.y * 4u * TM;
  let col0 = wid.x * 4u * TN;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  // this thread's B columns are the same at every k (THREADS is a multiple of TN)
  let cols = cols_of(z % G[3], col0 + 4u * (t % TN));

  for (var k0 = k_begin; k0 < K; k0 += BK) {
    // A: 4 rows at one k per slot; B: 4 columns at one k (neighbouring slots, neighbouring columns)
    for (var s = t; s < BK * TM; s += THREADS) {
      let k = s % BK;
      let m = row0 + 4u * (s / BK);
      let gk = k0 + k;
      if (gk >= K) { As[k * TM + s / BK] = vec4<f32>(0.0); continue; }
      As[k * TM + s / BK] = vec4<f32>(a_at(z, m, gk), a_at(z, m + 1u, gk), a_at(z, m + 2u, gk), a_at(z, m + 3u, gk));
    }
    for (var s = t; s < BK * TN; s += THREADS) {
      let k = s / TN;
      let gk = k0 + k;
      if (gk >= K) { Bs[k * TN + s % TN] = vec4<f32>(0.0); continue; }
      Bs[k * TN + s % TN] = b4(z, gk, cols);
    }
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      let av = As[k * TM + ty];
      let bv = Bs[k * TN + tx];
      acc0 += av.x * bv;
      acc1 += av.y * bv;
      acc2 += av.z * bv;
      acc3 += av.w * bv;
    }
    workgroupBarrier();
  }

  let row = row0 + ty * 4u;
  let col = col0 + tx * 4u;
  store4(z, row, col, acc0, split);
  store4(z, row + 1u, col, acc1, split);
  store4(z, row + 2u, col, acc2, split);
  store4(z, row + 3u, col, acc3, split);
}
