// Shared helpers, included by the elementwise kernels (`//#include math`).

// Index of this invocation in a 1-D launch spread over a 2-D grid (see GpuRuntime.grid).
fn linear_index(wid: vec3u, nwg: vec3u, lid: u32, wg: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * wg + lid;
}

// tanh that stays finite for large |x| (exp(2x) would overflow to inf/inf).
fn tanh_safe(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

fn sigmoid_safe(x: f32) -> f32 {
  // exp of a non-positive number only: no overflow on either side
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}

// erf to ~1.2e-7 absolute: a Taylor series near 0, Numerical Recipes' erfc (Chebyshev
// fit, fractional error < 1.2e-7) elsewhere. WGSL has no erf of its own.
fn erf_approx(x: f32) -> f32 {
  let z = abs(x);
  if (z < 0.5) {
    // Taylor series: accurate near 0 where the rational form loses relative precision
    let z2 = z * z;
    let s = z * (1.0 - z2 * (1.0 / 3.0 - z2 * (0.1 - z2 * (1.0 / 42.0 - z2 * (1.0 / 216.0 - z2 / 1320.0)))));
    return sign(x) * s * 1.1283791670955126;
  }
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277))))))));
  return sign(x) * (1.0 - t * exp(poly));
}

fn gelu_erf(x: f32) -> f32 {
  return 0.5 * x * (1.0 + erf_approx(x * 0.7071067811865476));
}

fn gelu_tanh(x: f32) -> f32 {
  return 0.5 * x * (1.0 + tanh_safe(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}
