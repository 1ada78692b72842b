// The affine parameter of element r of row q on a norm's [P, Q, R] view: channel
// (q mod groups)·group_channels + r / channel_size. batch_norm is (C, 1, S), layer_norm
// (1, R, 1), group_norm (G, C/G, S). Needs a `weight` binding.
fn channel_of(q: u32, r: u32, groups: u32, group_channels: u32, channel_size: u32) -> u32 {
  return (q % groups) * group_channels + r / channel_size;
}

fn gamma(q: u32, r: u32, groups: u32, group_channels: u32, channel_size: u32, has_weight: u32) -> f32 {
  if (has_weight == 0u) { return 1.0; }
  return weight[channel_of(q, r, groups, group_channels, channel_size)];
}
