// Errors that depend on values (a class index out of range, a probability outside [0, 1])
// cannot stop a kernel; like CUDA's device-side asserts they are recorded here and raised at
// the next read. The first report wins: [code, value, extra].
@group(0) @binding({{ERROR_BINDING}}) var<storage, read_write> value_errors: array<atomic<u32>, 4>;

fn report_value_error(code: u32, value: i32, extra: u32) {
  if (atomicCompareExchangeWeak(&value_errors[0], 0u, code).exchanged) {
    atomicStore(&value_errors[1], bitcast<u32>(value));
    atomicStore(&value_errors[2], extra);
  }
}
