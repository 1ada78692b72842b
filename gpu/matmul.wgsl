// C[batch] = A[batch]·B[batch] (+ bias), tiled: each 16×16 workgroup computes a 64×64 tile of
// C, each invocation a 4×4 block held in registers as four vec4s. K advances 16 at a time
// through workgroup-shared tiles of A and B stored as vec4s (one shared load feeds 4 FMAs).
// TRANS_B = 1 reads B as [N, K] (linear's weight), TRANS_A = 1 reads A as [K, M] (a
// weight gradient dYᵀ·X), both without a transpose copy.
// A bias (BIAS_DECL, BIAS_READ) adds bias[col] (binding 3; the output moves to binding 4).

// [M, N, K, batch_rank, batch_shape[r], a_batch_strides[r], b_batch_strides[r]] (strides in matrices)
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
{{BIAS_DECL}}
@group(0) @binding({{OUT_BINDING}}) var<storage, read_write> c: array<f32>;

const TILE = 64u;
const BK = 16u;
// As[k][m/4] and Bs[k][n/4]: a k-slice of the tile is 16 vec4s
var<workgroup> As: array<vec4<f32>, 256>;
var<workgroup> Bs: array<vec4<f32>, 256>;

fn bias_at(col: u32) -> f32 {
  {{BIAS_READ}}
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let M = params[0];
  let N = params[1];
  let K = params[2];
  let rank = params[3];
  var rest = wid.z;
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
  let oc = wid.z * M * N;

  let tx = lid.x;
  let ty = lid.y;
  let t = ty * 16u + tx;
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  var acc: array<vec4<f32>, 4>;

  for (var k0 = 0u; k0 < K; k0 += BK) {
    // A tile: invocation t loads 4 rows at one k (neighbouring invocations read neighbouring
    // k, or neighbouring rows when A is stored transposed as [K, M])
    {
      let k = select(t % BK, t / 16u, {{TRANS_A}} == 1);
      let m4 = select(t / BK, t % 16u, {{TRANS_A}} == 1);
      let gk = k0 + k;
      var v = vec4<f32>(0.0);
      for (var j = 0u; j < 4u; j++) {
        let gm = row0 + m4 * 4u + j;
        if (gm < M && gk < K) {
          v[j] = a[oa + select(gm * K + gk, gk * M + gm, {{TRANS_A}} == 1)];
        }
      }
      As[k * 16u + m4] = v;
    }
    // B tile: 4 columns at one k
    {
      let k = select(t / 16u, t % BK, {{TRANS_B}} == 1);
      let n4 = select(t % 16u, t / BK, {{TRANS_B}} == 1);
      let gk = k0 + k;
      var v = vec4<f32>(0.0);
      for (var j = 0u; j < 4u; j++) {
        let gn = col0 + n4 * 4u + j;
        if (gn < N && gk < K) {
          v[j] = b[ob + select(gk * N + gn, gn * K + gk, {{TRANS_B}} == 1)];
        }
      }
      Bs[k * 16u + n4] = v;
    }
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      let av = As[k * 16u + ty];
      let bv = Bs[k * 16u + tx];
      acc[0] += av.x * bv;
      acc[1] += av.y * bv;
      acc[2] += av.z * bv;
      acc[3] += av.w * bv;
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let row = row0 + ty * 4u + i;
    if (row >= M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + tx * 4u + j;
      if (col < N) { c[oc + row * N + col] = acc[i][j] + bias_at(col); }
    }
  }
}
