#!/usr/bin/env python3
"""Writes tests/data/promotion_table.txt: the result dtype PyTorch gives each binary op for
every pair of operand dtypes and kinds, so that the C++ tests can check tensorbridge's type
promotion against the real thing (tests/ops/test_elementwise_promotion.cpp reads it).

Usage: python3 scripts/gen_promotion_table.py [output]   (needs torch)

Each line is `op case lhs rhs result`:
  case    tt: 1-d tensor op 1-d tensor      t0: 1-d op 0-d tensor      0t: 0-d op 1-d
          00: 0-d op 0-d                     ts: 1-d tensor op Python scalar
          st: Python scalar op 1-d tensor (the reflected operator, e.g. 2 - t)
  lhs/rhs a dtype name (tensorbridge/NumPy spelling) or, for Python scalars, pybool, pyint,
          pyfloat, pycomplex (values True, 2, 2.5, 2+1j)
  result  the result dtype; `error` where PyTorch refuses the dtypes (tensorbridge must
          refuse them too); `nokernel:<dtype>` where PyTorch's type promotion succeeds but
          its CPU build has no kernel for uint16/uint32/uint64 (tensorbridge computes these,
          and <dtype> is what PyTorch's promotion says the result is); `complex32` where
          PyTorch's common dtype is complex32, which tensorbridge lacks (the test expects
          what the op does with complex64 operands)
"""
import operator
import sys
import warnings

import torch

DTYPES = [
    ("bool", torch.bool), ("int8", torch.int8), ("int16", torch.int16),
    ("int32", torch.int32), ("int64", torch.int64), ("uint8", torch.uint8),
    ("uint16", torch.uint16), ("uint32", torch.uint32), ("uint64", torch.uint64),
    ("float16", torch.float16), ("bfloat16", torch.bfloat16), ("float32", torch.float32),
    ("float64", torch.float64), ("complex64", torch.complex64),
    ("complex128", torch.complex128),
]
NAME = {d: n for n, d in DTYPES}
# PyTorch's complex32 (float16 mixed with complex scalars) has no tensorbridge counterpart;
# the table keeps PyTorch's answer and the test says what we do instead.
NAME[torch.complex32] = "complex32"
SCALARS = [("pybool", True), ("pyint", 2), ("pyfloat", 2.5), ("pycomplex", 2 + 1j)]

# op name -> (function on two operands, reflected operator for `scalar op tensor` or None,
#             how the result dtype follows from the common dtype: same / float / bool)
OPS = {
    "add": (torch.add, operator.add, "same"),
    "sub": (torch.sub, operator.sub, "same"),
    "mul": (torch.mul, operator.mul, "same"),
    "div": (torch.div, operator.truediv, "float"),
    "floor_divide": (torch.floor_divide, operator.floordiv, "same"),
    "remainder": (torch.remainder, operator.mod, "same"),
    "pow": (torch.pow, operator.pow, "same"),
    "maximum": (torch.maximum, None, "same"),
    "atan2": (torch.atan2, None, "float"),
    "eq": (torch.eq, operator.eq, "bool"),
    "lt": (torch.lt, operator.lt, "bool"),
    "bitwise_and": (torch.bitwise_and, operator.and_, "same"),
    "logical_and": (torch.logical_and, None, "bool"),
}
UNSIGNED_WIDE = ("UInt16", "UInt32", "UInt64")


def one(dtype, zero_dim):
    value = True if dtype == torch.bool else 1
    t = torch.tensor(value, dtype=dtype)
    return t if zero_dim else t.reshape(1)


def expected_if_no_kernel(rule, lhs, rhs):
    common = torch.result_type(lhs, rhs)
    if rule == "bool":
        return "bool"
    if rule == "float" and not (common.is_floating_point or common.is_complex):
        return "float32"
    return NAME[common]


def outcome(fn, rule, lhs, rhs):
    try:
        return NAME[fn(lhs, rhs).dtype]
    except Exception as ex:
        try:
            if torch.result_type(lhs, rhs) == torch.complex32:
                return "complex32"  # PyTorch has few complex32 kernels
        except RuntimeError:
            pass
        if isinstance(ex, NotImplementedError) and any(
                f"'{u}'" in str(ex) for u in UNSIGNED_WIDE):
            return "nokernel:" + expected_if_no_kernel(rule, lhs, rhs)
        if isinstance(ex, (NotImplementedError, RuntimeError, TypeError)):
            return "error"
        raise


def rows():
    for op, (fn, reflected, rule) in OPS.items():
        for lname, ldt in DTYPES:
            for rname, rdt in DTYPES:
                for case, lz, rz in (("tt", False, False), ("t0", False, True),
                                     ("0t", True, False), ("00", True, True)):
                    yield op, case, lname, rname, outcome(fn, rule, one(ldt, lz), one(rdt, rz))
            for sname, svalue in SCALARS:
                if op in ("maximum", "atan2", "logical_and"):
                    continue  # PyTorch takes no Python scalars for these
                yield op, "ts", lname, sname, outcome(fn, rule, one(ldt, False), svalue)
                yield op, "st", sname, lname, outcome(
                    lambda a, b: reflected(a, b), rule, svalue, one(ldt, False))


def main():
    warnings.simplefilter("ignore")  # complex32 is "experimental"
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/promotion_table.txt"
    with open(out, "w") as f:
        f.write(f"# generated by scripts/gen_promotion_table.py from torch {torch.__version__}\n")
        f.write("# op case lhs rhs result\n")
        for row in rows():
            f.write(" ".join(row) + "\n")


if __name__ == "__main__":
    main()
