// Shared helpers, included by the elementwise kernels (`//#include math`).

// Index of this invocation in a 1-D launch spread over a 2-D grid (see GpuRuntime.grid).
fn linear_index(wid: vec3u, nwg: vec3u, lid: u32, wg: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * wg + lid;
}

// tanh that stays finite for large |x|: the builtin may be computed as sinh/cosh, which
// overflow; past |x| = 15 tanh is ±1 in f32 anyway.
fn tanh_safe(x: f32) -> f32 {
  return select(tanh(clamp(x, -15.0, 15.0)), x, is_nan(x));
}

// NaN by its bits: float comparisons may be compiled assuming there are no NaNs
fn is_nan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn sigmoid_safe(x: f32) -> f32 {
  // exp of a non-positive number only: no overflow on either side
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}

// log(1 + e^x) without overflow: max(x, 0) + log(1 + e^-|x|)
fn softplus(x: f32) -> f32 {
  return max(x, 0.0) + log1p_safe(exp(-abs(x)));
}

// log(1 + y) for y ≥ −1 without losing small y (WGSL has no log1p)
fn log1p_safe(y: f32) -> f32 {
  let u = 1.0 + y;
  // (u − 1) is y rounded the way u was: the classic correction (Goldberg)
  return select(log(u) * y / (u - 1.0), y, u == 1.0);
}

// e^x − 1, accurate for small |x| (WGSL has no expm1)
fn expm1_safe(x: f32) -> f32 {
  if (abs(x) < 1e-2) {
    return x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x / 24.0)));
  }
  return exp(x) - 1.0;
}

// erfc(z) for z ≥ 0 with fractional error below 1.2e-7 (Numerical Recipes' erfcc, a
// Chebyshev fit); WGSL has no erf of its own.
fn erfc_pos(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277))))))));
  return t * exp(poly);
}

// Φ(x), the standard normal CDF, without cancellation in either tail
fn normal_cdf(x: f32) -> f32 {
  let half_tail = 0.5 * erfc_pos(abs(x) * 0.7071067811865476);
  return select(1.0 - half_tail, half_tail, x < 0.0);
}

fn gelu_erf(x: f32) -> f32 {
  return x * normal_cdf(x);
}

fn gelu_erf_grad(x: f32) -> f32 {
  return normal_cdf(x) + x * 0.3989422804014327 * exp(-0.5 * x * x);
}

fn gelu_tanh(x: f32) -> f32 {
  return 0.5 * x * (1.0 + tanh_safe(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

fn gelu_tanh_grad(x: f32) -> f32 {
  let t = tanh_safe(0.7978845608028654 * (x + 0.044715 * x * x * x));
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * 0.7978845608028654 * (1.0 + 3.0 * 0.044715 * x * x);
}

// NaN and −∞ cannot be constant expressions in WGSL; a var makes them runtime values
fn nan() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

fn neg_inf() -> f32 {
  var bits = 0xff800000u;
  return bitcast<f32>(bits);
}

// x^p for a constant p as PyTorch computes it: a negative base works for integral p and is
// NaN otherwise; 0^0 = 1.
fn pow_real(x: f32, p: f32) -> f32 {
  if (p == 0.0) { return 1.0; }
  if (p == 1.0) { return x; }
  if (p == 2.0) { return x * x; }
  if (p == 0.5) { return sqrt(x); }
  let r = pow(abs(x), p);
  if (x >= 0.0) { return r; }
  if (floor(p) != p) { return nan(); }
  return select(r, -r, abs(p % 2.0) == 1.0);
}
