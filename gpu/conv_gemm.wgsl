// Convolutions as implicit GEMM: the im2col matrix is never stored; each tile load computes
// which image element (or zero, in the padding) a GEMM entry is. Same tiling as matmul.wgsl:
// 4TS×4TS outputs per TS×TS workgroup, 4×4 per invocation, K in steps of TS through shared
// vec4 tiles. MODE picks the three products a conv layer needs:
//   0 conv2d:                 Y[n, g·Og+m, p]  = Σ_k W[g·Og+m, k] · im2col(X)[k, p]
//   1 conv_transpose2d:       Y[n, g·Og+m, p]  = Σ_k W[g·Cg+c, m, ki, kj] · X[n, g·Cg+c, (h+ph−ki·dh)/sh, …]
//   2 conv2d_backward_weight: dW[g·Og+m, col] = Σ_(n,p) dY[n, g·Og+m, p] · im2col(X)[col, (n,p)]
// k (or col) = (c, ki, kj) over Cg·kh·kw; p = (oh, ow). The batch grid z is n·groups + g
// (modes 0, 1) or g (mode 2).

// [M, N, K, groups, Cg, Og, C, H, W, O, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw, has_bias, batch,
//  first z (grids taller than one dispatch go in several)]
// (C, H, W): the image read by im2col (mode 1: the transposed conv's input); (O, OH, OW):
// the output channels and window grid (mode 1: the transposed conv's output).
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

const TS = {{TS}}u;
const TILE = 4u * TS;
const BK = TS;
var<workgroup> As: array<vec4<f32>, TS * TS>;
var<workgroup> Bs: array<vec4<f32>, TS * TS>;

// image element (channel, row, column) of X at batch n, or 0 outside it
fn image(n: u32, ch: u32, ih: i32, iw: i32) -> f32 {
  let H = i32(params[7]);
  let W = i32(params[8]);
  if (ih < 0 || iw < 0 || ih >= H || iw >= W) { return 0.0; }
  return b[((n * params[6] + ch) * params[7] + u32(ih)) * params[8] + u32(iw)];
}

// the image element a (c, ki, kj) tap of window p = (oh, ow) reads (modes 0 and 2)
fn im2col(n: u32, g: u32, tap: u32, p: u32) -> f32 {
  let khw = params[12] * params[13];
  let ch = g * params[4] + tap / khw;
  let ki = (tap % khw) / params[13];
  let kj = tap % params[13];
  let oh = p / params[11];
  let ow = p % params[11];
  let ih = i32(oh * params[14] + ki * params[18]) - i32(params[16]);
  let iw = i32(ow * params[15] + kj * params[19]) - i32(params[17]);
  return image(n, ch, ih, iw);
}

// the transposed conv's input element feeding output position p through tap (c, ki, kj)
fn transposed_tap(n: u32, g: u32, tap: u32, p: u32) -> f32 {
  let khw = params[12] * params[13];
  let ch = g * params[4] + tap / khw;
  let ki = (tap % khw) / params[13];
  let kj = tap % params[13];
  let h = i32(p / params[11]) + i32(params[16]) - i32(ki * params[18]);
  let w = i32(p % params[11]) + i32(params[17]) - i32(kj * params[19]);
  let sh = i32(params[14]);
  let sw = i32(params[15]);
  if (h < 0 || w < 0 || h % sh != 0 || w % sw != 0) { return 0.0; }
  return image(n, ch, h / sh, w / sw);
}

fn load_a(z: u32, m: u32, k: u32) -> f32 {
  let g = z % params[3];
  if ({{MODE}} == 0) { return a[(g * params[5] + m) * params[2] + k]; }
  if ({{MODE}} == 1) {
    let khw = params[12] * params[13];
    return a[((g * params[4] + k / khw) * params[5] + m) * khw + k % khw];
  }
  // mode 2: k runs over (n, p) of dY
  let ohw = params[10] * params[11];
  return a[((k / ohw) * params[9] + g * params[5] + m) * ohw + k % ohw];
}

fn load_b(z: u32, k: u32, col: u32) -> f32 {
  let g = z % params[3];
  if ({{MODE}} == 0) { return im2col(z / params[3], g, k, col); }
  if ({{MODE}} == 1) { return transposed_tap(z / params[3], g, k, col); }
  let ohw = params[10] * params[11];
  return im2col(k / ohw, g, col, k % ohw);
}

fn store(z: u32, m: u32, col: u32, v: f32) {
  let g = z % params[3];
  let channel = g * params[5] + m;
  let bias_v = select(0.0, bias[min(channel, arrayLength(&bias) - 1u)], params[20] == 1u);
  if ({{MODE}} == 2) {
    c[channel * params[1] + col] = v;
  } else {
    c[((z / params[3]) * params[9] + channel) * params[1] + col] = v + bias_v;
  }
}

fn a_at(z: u32, m: u32, k: u32) -> f32 {
  if (m >= params[0] || k >= params[2]) { return 0.0; }
  return load_a(z, m, k);
}

fn b_at(z: u32, k: u32, col: u32) -> f32 {
  if (col >= params[1] || k >= params[2]) { return 0.0; }
  return load_b(z, k, col);
}

fn store4(z: u32, row: u32, col: u32, v: vec4<f32>) {
  if (row >= params[0]) { return; }
  let N = params[1];
  if (col < N) { store(z, row, col, v.x); }
  if (col + 1u < N) { store(z, row, col + 1u, v.y); }
  if (col + 2u < N) { store(z, row, col + 2u, v.z); }
  if (col + 3u < N) { store(z, row, col + 3u, v.w); }
}

@compute @workgroup_size(TS, TS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let K = params[2];
  let z = wid.z + params[22];
  let tx = lid.x;
  let ty = lid.y;
  let t = ty * TS + tx;
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  // A: 4 rows at one k; B: 4 columns at one k (neighbouring invocations, neighbouring columns)
  let ak = t % BK;
  let am = row0 + 4u * (t / BK);
  let bk = t / TS;
  let bn = col0 + 4u * (t % TS);

  for (var k0 = 0u; k0 < K; k0 += BK) {
    let gka = k0 + ak;
    As[ak * TS + t / BK] = vec4<f32>(a_at(z, am, gka), a_at(z, am + 1u, gka), a_at(z, am + 2u, gka), a_at(z, am + 3u, gka));
    let gkb = k0 + bk;
    Bs[bk * TS + t % TS] = vec4<f32>(b_at(z, gkb, bn), b_at(z, gkb, bn + 1u), b_at(z, gkb, bn + 2u), b_at(z, gkb, bn + 3u));
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      let av = As[k * TS + ty];
      let bv = Bs[k * TS + tx];
      acc0 += av.x * bv;
      acc1 += av.y * bv;
      acc2 += av.z * bv;
      acc3 += av.w * bv;
    }
    workgroupBarrier();
  }

  let row = row0 + ty * 4u;
  let col = col0 + tx * 4u;
  store4(z, row, col, acc0);
  store4(z, row + 1u, col, acc1);
  store4(z, row + 2u, col, acc2);
  store4(z, row + 3u, col, acc3);
}
