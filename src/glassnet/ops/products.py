"""Products of tensors: mm, bmm, outer, addmm, baddbmm, einsum, and the pairwise distances cdist.

einsum is the one primitive here: its derivative with respect to an operand is another einsum
(of the incoming gradient and the other operands), so its rule is closed under differentiation
and every order of derivative comes out of the same code. The rest are compositions.
"""
from __future__ import annotations

import string

import numpy as np

from .. import _backend
from ..errors import ShapeError
from ..tensor import Tensor, _recorders, make_result
from . import _rules
from ._util import as_tensor, promote

_LETTERS = string.ascii_uppercase + string.ascii_lowercase   # torch's label order: A–Z, then a–z


def _check_same_dtype(op: str, a: np.ndarray, b: np.ndarray, first="m1", second="m2") -> None:
    if a.dtype != b.dtype:
        raise RuntimeError(f"{op}: expected {first} and {second} to have the same dtype, but got: "
                           f"{a.dtype} != {b.dtype}")


# ---------------------------------------------------------------- matrix products

def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """input @ mat2 for two matrices (n, m) @ (m, p) → (n, p), no broadcasting;
    ∂/∂input = g mat2ᵀ, ∂/∂mat2 = inputᵀ g (matmul's rule)."""
    from .arithmetic import matmul
    a, b = as_tensor(input), as_tensor(mat2)
    if a.ndim != 2:
        raise ShapeError(f"mm: self must be a matrix, got shape {tuple(a.shape)}")
    if b.ndim != 2:
        raise ShapeError(f"mm: mat2 must be a matrix, got shape {tuple(b.shape)}")
    if a.shape[1] != b.shape[0]:
        raise ShapeError(f"mm: mat1 and mat2 shapes cannot be multiplied "
                         f"({a.shape[0]}x{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
    _check_same_dtype("mm", a._data, b._data)
    return matmul(a, b)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """A batch of matrix products (b, n, m) @ (b, m, p) → (b, n, p), no broadcasting."""
    from .arithmetic import matmul
    a, b = as_tensor(input), as_tensor(mat2)
    if a.ndim != 3:
        raise ShapeError(f"bmm: batch1 must be a 3D tensor, got shape {tuple(a.shape)}")
    if b.ndim != 3:
        raise ShapeError(f"bmm: batch2 must be a 3D tensor, got shape {tuple(b.shape)}")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise ShapeError(f"bmm: Expected size for first two dimensions of batch2 tensor to be: "
                         f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if a.dtype != b.dtype:
        raise RuntimeError(f"bmm: expected scalar type {a.dtype} but found {b.dtype}")
    return matmul(a, b)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product (n,) ⊗ (m,) → (n, m):  out[i, j] = input[i]·vec2[j]."""
    from .arithmetic import mul
    from .shape import unsqueeze
    a, b = as_tensor(input), as_tensor(vec2)
    for name, t in (("self", a), ("vec2", b)):
        if t.ndim != 1:
            raise ShapeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    return mul(unsqueeze(a, 1), unsqueeze(b, 0))          # (n, 1) ∘ (1, m) → (n, m)


def _scaled_sum(input, product: Tensor, beta, alpha, op: str) -> Tensor:
    """β·input + α·product, with input broadcast to the product's shape (not the other way), and
    input ignored when β = 0 (so NaN in it does not propagate, as in torch)."""
    from .shape import expand
    from .elementwise import where
    out = product if alpha == 1 else product * alpha
    inp = as_tensor(input)
    try:
        np.broadcast_to(inp._data, product.shape)
    except ValueError:
        raise ShapeError(f"{op}: input of shape {tuple(inp.shape)} cannot be broadcast to the "
                         f"product's shape {tuple(product.shape)}") from None
    inp = expand(inp, *product.shape) if inp.shape != product.shape else inp
    if beta == 0:
        # never read (NaN stays out), yet part of the graph: its gradient is β·g = 0, as torch's
        return where(np.zeros(out.shape, dtype=bool), inp, out)
    return (inp if beta == 1 else inp * beta) + out


def addmm(input, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """β·input + α·(mat1 @ mat2), input broadcast to (n, p)."""
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha, "addmm")


def baddbmm(input, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """β·input + α·bmm(batch1, batch2), input broadcast to (b, n, p)."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha, "baddbmm")


# ---------------------------------------------------------------- einsum

def _einsum_error(msg: str) -> ShapeError:
    return ShapeError(f"einsum(): {msg}")


def _parse_term(term: str, start: int, equation: str) -> list:
    """'ab...c' → ['a', 'b', Ellipsis, 'c']; ``start`` is the term's index in the equation."""
    labels, i = [], 0
    while i < len(term):
        c = term[i]
        if c == ".":
            if term[i:i + 3] != "..." or Ellipsis in labels:
                raise _einsum_error("found '.' for operand that is not part of any ellipsis"
                                    if term[i:i + 3] != "..." else
                                    "found more than one ellipsis ('...') in a term")
            labels.append(Ellipsis)
            i += 3
            continue
        if c not in _LETTERS:
            raise _einsum_error(f"invalid subscript given at index {start + i} in the equation "
                                f"string, subscripts must be in [a-zA-Z]")
        labels.append(c)
        i += 1
    return labels


def _from_sublists(args) -> tuple:
    """einsum(op0, [0, 1], op1, [1, 2], [0, 2]) → ('ab,bc->ac', op0, op1) (torch's sublist form)."""
    args = list(args)
    out_list = args.pop() if len(args) % 2 == 1 else None
    ops, terms = args[0::2], args[1::2]

    def letters(sub):
        return "".join("..." if s is Ellipsis else _LETTERS[int(s)] for s in sub)
    eq = ",".join(letters(s) for s in terms)
    if out_list is not None:
        eq += "->" + letters(out_list)
    return eq, ops


def einsum(equation, *operands) -> Tensor:
    """Sums of products over labelled dimensions, in torch's notation: ``'ij,jk->ik'`` is a
    matrix product, ``'bij,bjk->bik'`` a batched one, ``'ii->'`` the trace, ``'...ij->...ji'`` a
    transpose of the last two dimensions; without ``->`` the output is ``...`` followed by the
    labels that appear once, in alphabetical order (A–Z before a–z). Spaces are ignored; a label
    of size 1 broadcasts against the others.

    ∂/∂operandᵢ = einsum of g and the other operands, summed to operandᵢ's labels (a repeated
    label puts the gradient on the diagonal; a label found nowhere else broadcasts it).
    """
    if not isinstance(equation, str):
        equation, operands = _from_sublists((equation,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): expected Tensor as element {i} in argument 1, "
                            f"but got {type(op).__name__}")
    lhs, arrow, rhs = equation.partition("->")
    # index of each term in the original equation (for error messages); spaces are dropped
    terms, pos = [], 0
    for part in lhs.split(","):
        terms.append((part.replace(" ", ""), pos))
        pos += len(part) + 1
    if len(terms) > len(operands):
        raise _einsum_error("fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise _einsum_error("more operands were provided than specified in the equation")
    parsed = [_parse_term(t, p, equation) for t, p in terms]

    used = {c for labels in parsed for c in labels if c is not Ellipsis}
    if arrow:
        out_labels = _parse_term(rhs.replace(" ", ""), len(lhs) + 2, equation)
        used |= {c for c in out_labels if c is not Ellipsis}
    free = iter(c for c in _LETTERS if c not in used)

    # ellipsis dimensions get letters of their own, aligned from the right
    ell_ndim = 0
    for i, (labels, op) in enumerate(zip(parsed, operands)):
        n_named = sum(1 for c in labels if c is not Ellipsis)
        if Ellipsis in labels:
            if n_named > op.ndim:
                raise _einsum_error(f"the number of subscripts in the equation ({n_named}) is more "
                                    f"than the number of dimensions ({op.ndim}) for operand {i}")
            ell_ndim = max(ell_ndim, op.ndim - n_named)
        elif n_named != op.ndim:
            raise _einsum_error(f"the number of subscripts in the equation ({n_named}) does not "
                                f"match the number of dimensions ({op.ndim}) for operand {i} and "
                                f"no ellipsis was given")
    try:
        ell = [next(free) for _ in range(ell_ndim)]
    except StopIteration:
        raise _einsum_error("too many dimensions: glassnet names each dimension with one of "
                            "the 52 letters") from None
    subs = []
    for labels, op in zip(parsed, operands):
        n_ell = op.ndim - sum(1 for c in labels if c is not Ellipsis)
        s = []
        for c in labels:
            s.extend(ell[ell_ndim - n_ell:] if c is Ellipsis else [c])
        subs.append("".join(s))

    if arrow:
        seen = set()
        out = []
        for c in out_labels:
            if c is Ellipsis:
                out.extend(ell)
                continue
            if c in seen:
                raise _einsum_error(f"output subscript {c} appears more than once in the output")
            if not any(c in s for s in subs):
                raise _einsum_error(f"output subscript {c} does not appear in the equation for "
                                    f"any input operand")
            seen.add(c)
            out.append(c)
        out = "".join(out)
    else:
        counts = {}
        for s in subs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = "".join(ell) + "".join(c for c in _LETTERS if counts.get(c) == 1 and c not in ell)

    # the size of each label, size-1 dimensions broadcasting; operands are expanded to it
    sizes: dict = {}
    for i, (s, op) in enumerate(zip(subs, operands)):
        mine: dict = {}
        for c, n in zip(s, op.shape):
            if c in mine and mine[c] != n:
                raise _einsum_error(f"subscript {c} is repeated for operand {i} but the sizes "
                                    f"don't match, {n} != {mine[c]}")
            mine[c] = n
        for c, n in mine.items():
            seen_n = sizes.get(c)
            if seen_n is None or seen_n == 1:
                sizes[c] = n
            elif n != 1 and n != seen_n:
                what = f"subscript {c}" if c not in ell else "a dimension covered by '...'"
                raise _einsum_error(f"{what} has size {n} for operand {i} which does not "
                                    f"broadcast with previously seen size {seen_n}")
    dtypes = {op.dtype for op in operands}
    if len(dtypes) > 1:
        raise RuntimeError(f"einsum(): expected all operands to have the same dtype, got "
                           f"{[str(op.dtype) for op in operands]}")
    from .shape import expand
    ops = []
    for s, op in zip(subs, operands):
        full = tuple(sizes[c] for c in s)
        ops.append(op if op.shape == full else expand(op, *full))
    return _einsum(",".join(subs) + "->" + out, *ops)


def _optimize(arrays) -> bool:
    # NumPy's path search (and BLAS for contractions) pays off for chains and big operands only
    return len(arrays) > 2 or any(np.size(a) > 4096 for a in arrays)


def _einsum_arrays(spec: str, *arrays):
    return np.einsum(spec, *arrays, optimize=_optimize(arrays))


def _einsum(spec: str, *operands) -> Tensor:
    """The einsum primitive on a resolved spec ('ab,bc->ac': letters only, sizes consistent)."""
    operands = tuple(as_tensor(o) for o in operands)
    arrays = [o._data for o in operands]
    out = np.asarray(_einsum_arrays(spec, *arrays))
    if out.dtype != arrays[0].dtype and arrays[0].dtype != object:
        out = out.astype(arrays[0].dtype)
    lhs, out_subs = spec.split("->")
    in_subs = lhs.split(",")
    flags = [o.requires_grad for o in operands]

    def backward(F, g, out, *xs):
        return tuple(_operand_grad(F, g, xs, in_subs, out_subs, i) if flags[i] else None
                     for i in range(len(xs)))
    return make_result(out, operands, backward, "einsum", {"equation": spec} if _recorders else None)


def _operand_grad(F, g, xs, in_subs: list, out_subs: str, i: int):
    """∂L/∂xᵢ = einsum(g, the other operands → xᵢ's labels).

    A label repeated in xᵢ (a diagonal, 'ii') gets a fresh letter per repeat and an identity
    matrix tying it to the first, so the gradient lands on the diagonal; a label found in no
    other operand nor the output was summed out, so the gradient is broadcast along it."""
    s_i = in_subs[i]
    shape = tuple(xs[i].shape)
    used = set("".join(in_subs) + out_subs)
    fresh = iter(c for c in _LETTERS if c not in used)
    target, subs, ops = [], [out_subs], [g]
    subs += [s for j, s in enumerate(in_subs) if j != i]
    ops += [x for j, x in enumerate(xs) if j != i]
    size = {}
    for c, n in zip(s_i, shape):
        if c in size:
            f = next(fresh)
            target.append(f)
            subs.append(c + f)
            ops.append(np.eye(n, dtype=xs[i].dtype))       # δ(c, f): a constant
        else:
            size[c] = n
            target.append(c)
    available = set("".join(subs))
    present = "".join(c for c in target if c in available)
    res = F.einsum(",".join(subs) + "->" + present, *ops)
    if len(present) < len(target):
        kept = tuple(n if c in available else 1 for c, n in zip(target, shape))
        res = F.broadcast_to(F.reshape(res, kept), shape)      # (present…) → (…, 1, …) → shape
    return res


_rules.define("einsum", _einsum_arrays, _einsum)


# ---------------------------------------------------------------- distances

def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode=None) -> Tensor:
    """Pairwise p-norm distances: out[…, i, j] = ‖x1[…, i, :] − x2[…, j, :]‖_p, shapes
    (…, P, M) and (…, R, M) → (…, P, R) with the batch dimensions broadcast.

    Composed from a difference and ``vector_norm``, so the gradient is the norm's: 0 where a
    distance is 0 (torch's choice at the kink)."""
    from .reduction import vector_norm
    from .shape import unsqueeze
    x1, x2 = as_tensor(x1), as_tensor(x2)
    for name, t in (("X1", x1), ("X2", x2)):
        if t.ndim < 2:
            raise ShapeError(f"cdist only supports at least 2D tensors, {name} got: {t.ndim}D")
        if not _backend.is_floating(t.dtype):
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {t.dtype}")
    if x1.shape[-1] != x2.shape[-1]:
        raise ShapeError(f"cdist: X1 and X2 must have the same number of columns. "
                         f"X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if not isinstance(p, (int, float, np.number)) or isinstance(p, bool) or p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p!r}")
    if compute_mode not in (None, "use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"cdist: {compute_mode} is not a valid value for compute_mode")
    try:
        np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    except ValueError:
        raise ShapeError(f"cdist: the batch dimensions of X1 {tuple(x1.shape)} and X2 "
                         f"{tuple(x2.shape)} cannot be broadcast together") from None
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode in (None, "use_mm_for_euclid_dist_if_necessary")
        and (x1.shape[-2] > 25 or x2.shape[-2] > 25)))
    if use_mm and x1.dtype != object:
        return _euclidean_cdist(x1, x2)
    diff = unsqueeze(x1, -2) - unsqueeze(x2, -3)       # (…, P, 1, M) − (…, 1, R, M) → (…, P, R, M)
    return vector_norm(diff, p, dim=-1)


def _euclidean_cdist(x1: Tensor, x2: Tensor) -> Tensor:
    """‖x1ᵢ − x2ⱼ‖₂ as √(‖x1ᵢ‖² + ‖x2ⱼ‖² − 2 x1ᵢ·x2ⱼ) with one matrix product (torch's route
    for more than 25 points: no (P, R, M) difference is made), clamped at 0 against rounding.

    ∂/∂x1ᵢ = Σⱼ wᵢⱼ (x1ᵢ − x2ⱼ) with wᵢⱼ = gᵢⱼ / dᵢⱼ (0 where dᵢⱼ = 0), i.e. x1ᵢ Σⱼ wᵢⱼ − (w x2)ᵢ;
    ∂/∂x2ⱼ likewise. The rule is the exact gradient of the distance, not of the formula."""
    a, b = x1._data, x2._data
    if a.dtype != b.dtype:
        a, b = promote(a, b)
    sq = (a * a).sum(-1)[..., :, None] + (b * b).sum(-1)[..., None, :] - 2 * (a @ np.swapaxes(b, -1, -2))
    out = np.sqrt(np.maximum(sq, 0))                    # (…, P, R)
    zero = out == 0
    sa, sb = a.shape, b.shape

    def backward(F, g, out, u, v):
        w = F.where(zero, 0, g / F.where(zero, 1, out))  # (…, P, R)
        ga = gb = None
        if x1.requires_grad:
            ga = F.sum_to(u * F.sum(w, -1, True) - w @ v, sa)
        if x2.requires_grad:
            gb = F.sum_to(v * F.swapaxes(F.sum(w, -2, True), -1, -2) - F.swapaxes(w, -1, -2) @ u, sb)
        return ga, gb
    return make_result(out, (x1, x2), backward, "cdist")


def install_methods(T) -> None:
    """Tensor.mm, .bmm, .outer (.ger), .addmm, .baddbmm: the functions above, self first."""
    T.mm, T.bmm, T.outer, T.ger, T.addmm, T.baddbmm = mm, bmm, outer, outer, addmm, baddbmm
