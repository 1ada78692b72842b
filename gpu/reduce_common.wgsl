// Shared by the reductions. An output index names one choice of the kept dims; a reduction
// index one choice of the reduced dims; each maps to an input offset through its strides.
// [out_count, red_count, kept_rank, red_rank, scale bits, chunk, chunks,
//  kept_shape[k], kept_strides[k], red_shape[r], red_strides[r]]
// A long reduction is split in `chunks` pieces of `chunk` elements, each folded by its own
// workgroup into partial results (reduced again by a second pass): more parallel, and short
// sequential sums keep float32 rounding small.
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> xs: array<T>;
@group(0) @binding(2) var<storage, read_write> ys: array<T>;

// f32, or i32 for integer sums and maxima
alias T = {{T}};

fn offset_of(index: u32, rank: u32, at: u32) -> u32 {
  var rest = index;
  var offset = 0u;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = params[at + u32(d)];
    offset += (rest % size) * params[at + rank + u32(d)];
    rest = rest / size;
  }
  return offset;
}

fn kept_offset(o: u32) -> u32 {
  return offset_of(o, params[2], 7u);
}

fn reduced_offset(r: u32) -> u32 {
  return offset_of(r, params[3], 7u + 2u * params[2]);
}

// COMBINE is `a + b` or a NaN-propagating max; IDENTITY its neutral element
fn combine(a: T, b: T) -> T {
  return {{COMBINE}};
}

fn identity() -> T {
  return {{IDENTITY}};
}

// times the scale (1/count for a mean); integers are never scaled
fn finish(acc: T) -> T {
  return {{FINISH}};
}
