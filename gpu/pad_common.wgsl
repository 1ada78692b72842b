// The input index that padded index j copies along one dim of size n padded by lo in front:
// mode 0 constant (−1: the fill value), 1 reflect, 2 replicate, 3 circular.
fn pad_source(j: i32, n: i32, lo: i32, mode: u32) -> i32 {
  let i = j - lo;
  if (i >= 0 && i < n) { return i; }
  if (mode == 0u) { return -1; }
  if (mode == 1u) { return select(2 * (n - 1) - i, -i, i < 0); }
  if (mode == 2u) { return select(n - 1, 0, i < 0); }
  return ((i % n) + n) % n;
}
