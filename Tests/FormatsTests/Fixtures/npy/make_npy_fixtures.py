#!/usr/bin/env python3
"""Makes the .npy fixtures of NPYTests with NumPy's own writer, and expected.json describing them.

Run from anywhere: `python3 Tests/FormatsTests/Fixtures/npy/make_npy_fixtures.py` (needs numpy).
The output is deterministic; the files are committed so the tests need no Python.

expected.json maps each file name to
  {"descr", "fortran_order", "shape", "version": [major, minor],
   "bits": hex bit patterns of the elements in C order of the logical array (a.ravel(order="C"))}
for the files our reader accepts, and to {"error_field": <field>} for the ones it must reject.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# Values that catch byte-order, precision and NaN-payload mistakes.
SPECIAL32 = np.array([0x7FC00123, 0x80000000, 0x7F800000, 0xFF800000, 0x00000001, 0x7F7FFFFF, 0x3F800000],
                     dtype=np.uint32).view(np.float32)
SPECIAL64 = np.array([0x7FF8000000000123, 0x8000000000000000, 0x7FF0000000000000, 0xFFF0000000000000,
                      0x0000000000000001, 0x7FEFFFFFFFFFFFFF, 0x3FF0000000000000], dtype=np.uint64).view(np.float64)


def ramp(rows, cols, dtype):
    """Distinct, non-round values: sin(1 + i·cols + j) · 10^(j mod 3)."""
    k = np.arange(rows * cols, dtype=np.float64).reshape(rows, cols)
    j = np.arange(cols)[None, :] % 3
    return (np.sin(1.0 + k) * 10.0 ** j).astype(dtype)


def save(name, array, version=None):
    path = os.path.join(HERE, name)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, array, version=version, allow_pickle=False)
    with open(path, "rb") as f:
        major, minor = np.lib.format.read_magic(f)
    logical = np.ascontiguousarray(array)
    bits_dtype = np.uint32 if array.dtype.itemsize == 4 else np.uint64
    width = 2 * array.dtype.itemsize
    return {
        "descr": array.dtype.str,
        "fortran_order": bool(array.flags.f_contiguous and not array.flags.c_contiguous),
        "shape": list(array.shape),
        "version": [major, minor],
        "bits": [format(int(b), f"0{width}x") for b in logical.view(bits_dtype).ravel(order="C")],
    }


def save_rejected(name, array, field):
    with open(os.path.join(HERE, name), "wb") as f:
        np.lib.format.write_array(f, array, allow_pickle=False)
    return {"error_field": field}


def main():
    expected = {}
    expected["f32_3x4.npy"] = save("f32_3x4.npy", ramp(3, 4, np.float32))
    expected["f64_5x3.npy"] = save("f64_5x3.npy", ramp(5, 3, np.float64))
    expected["f32_special_1x7.npy"] = save("f32_special_1x7.npy", SPECIAL32.reshape(1, 7))
    expected["f64_special_7.npy"] = save("f64_special_7.npy", SPECIAL64)            # 1-D: reads as 1 × 7
    expected["f32_vector_6.npy"] = save("f32_vector_6.npy", ramp(1, 6, np.float32).ravel())
    expected["f64_fortran_3x4.npy"] = save("f64_fortran_3x4.npy", np.asfortranarray(ramp(3, 4, np.float64)))
    expected["f32_empty_0x3.npy"] = save("f32_empty_0x3.npy", np.zeros((0, 3), dtype=np.float32))
    expected["f64_v2_2x3.npy"] = save("f64_v2_2x3.npy", ramp(2, 3, np.float64), version=(2, 0))
    expected["f32_v3_3x2.npy"] = save("f32_v3_3x2.npy", ramp(3, 2, np.float32), version=(3, 0))
    expected["reject_big_endian.npy"] = save_rejected("reject_big_endian.npy", ramp(2, 2, ">f8"), "descr")
    expected["reject_int32.npy"] = save_rejected("reject_int32.npy", np.arange(6, dtype="<i4").reshape(2, 3), "descr")
    expected["reject_3d.npy"] = save_rejected("reject_3d.npy", ramp(2, 6, np.float32).reshape(2, 3, 2), "shape")
    expected["reject_0d.npy"] = save_rejected("reject_0d.npy", np.float64(2.5), "shape")
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(expected)} fixtures with numpy {np.__version__}")


if __name__ == "__main__":
    main()
