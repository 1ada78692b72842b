// C[batch] = A[batch]·B[batch] (+ bias), tiled: each TS×TS workgroup computes a 4TS×4TS tile
// of C, each invocation a 4×4 block held in registers as four vec4s. K advances TS at a time
// through workgroup-shared tiles of A and B stored as vec4s (one shared load feeds 4 FMAs).
// TS is 16 (64×64 tiles) or 8 (32×32 tiles, for products too small to fill the GPU).
// TRANS_B = 1 reads B as [N, K] (linear's weight), TRANS_A = 1 reads A as [K, M] (a
// weight gradient dYᵀ·X), both without a transpose copy.
// A bias (BIAS_DECL, BIAS_READ) adds bias[col] (binding 3; the output moves to binding 4).
// ACT is an activation of one f32 `x` applied in the write (`x` for none): linear_act, with
// the expressions of the unary kernels, so a fused layer writes what linear then relu would.
//#include math

// [M, N, K, batch_rank, batch_shape[r], a_batch_strides[r], b_batch_strides[r], first batch]
// (strides in matrices; more batches than one dispatch can hold go in several, each from its first)
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
{{BIAS_DECL}}
@group(0) @binding({{OUT_BINDING}}) var<storage, read_write> c: array<f32>;

const TS = {{TS}}u;
const TILE = 4u * TS;
const BK = TS;
// As[k][m/4] and Bs[k][n/4]: a k-slice of the tile is TS vec4s
var<workgroup> As: array<vec4<f32>, TS * TS>;
var<workgroup> Bs: array<vec4<f32>, TS * TS>;

fn bias_at(col: u32) -> f32 {
  {{BIAS_READ}}
}

fn act(x: f32) -> f32 {
  return {{ACT}};
}

// one element of A (row gm, column gk) or 0 outside it
fn a_at(oa: u32, gm: u32, gk: u32, M: u32, K: u32) -> f32 {
  if (gm >= M || gk >= K) { return 0.0; }
  return a[oa + select(gm * K + gk, gk * M + gm, {{TRANS_A}} == 1)];
}

fn b_at(ob: u32, gk: u32, gn: u32, K: u32, N: u32) -> f32 {
  if (gn >= N || gk >= K) { return 0.0; }
  return b[ob + select(gk * N + gn, gn * K + gk, {{TRANS_B}} == 1)];
}

fn store(oc: u32, row: u32, col: u32, M: u32, N: u32, v: vec4<f32>) {
  if (row >= M) { return; }
  let at = oc + row * N;
  // unrolled: dynamic indexing of vectors is slow on some drivers (llvmpipe spills them)
  if (col < N) { c[at + col] = act(v.x + bias_at(col)); }
  if (col + 1u < N) { c[at + col + 1u] = act(v.y + bias_at(col + 1u)); }
  if (col + 2u < N) { c[at + col + 2u] = act(v.z + bias_at(col + 2u)); }
  if (col + 3u < N) { c[at + col + 3u] = act(v.w + bias_at(col + 3u)); }
}

@compute @workgroup_size(TS, TS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let M = params[0];
  let N = params[1];
  let K = params[2];
  let rank = params[3];
  let z = wid.z + params[4u + 3u * rank];
  var rest = z;
  var oa = 0u;
  var ob = 0u;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = params[4u + u32(d)];
    let i = rest % size;
    rest = rest / size;
    oa += i * params[4u + rank + u32(d)];
    ob += i * params[4u + 2u * rank + u32(d)];
  }
  oa *= M * K;
  ob *= K * N;
  let oc = z * M * N;

  let tx = lid.x;
  let ty = lid.y;
  let t = ty * TS + tx;
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);

  // which k and which 4 rows (columns) of the tile this invocation loads: neighbouring
  // invocations read neighbouring addresses in either storage order
  let ak = select(t % BK, t / TS, {{TRANS_A}} == 1);
  let am = row0 + 4u * select(t / BK, t % TS, {{TRANS_A}} == 1);
  let bk = select(t / TS, t % BK, {{TRANS_B}} == 1);
  let bn = col0 + 4u * select(t % TS, t / BK, {{TRANS_B}} == 1);
  let a_slot = ak * TS + (am - row0) / 4u;
  let b_slot = bk * TS + (bn - col0) / 4u;

  for (var k0 = 0u; k0 < K; k0 += BK) {
    let gka = k0 + ak;
    As[a_slot] = vec4<f32>(a_at(oa, am, gka, M, K), a_at(oa, am + 1u, gka, M, K),
                           a_at(oa, am + 2u, gka, M, K), a_at(oa, am + 3u, gka, M, K));
    let gkb = k0 + bk;
    Bs[b_slot] = vec4<f32>(b_at(ob, gkb, bn, K, N), b_at(ob, gkb, bn + 1u, K, N),
                           b_at(ob, gkb, bn + 2u, K, N), b_at(ob, gkb, bn + 3u, K, N));
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
  store(oc, row, col, M, N, acc0);
  store(oc, row + 1u, col, M, N, acc1);
  store(oc, row + 2u, col, M, N, acc2);
  store(oc, row + 3u, col, M, N, acc3);
}
