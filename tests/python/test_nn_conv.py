"""Convolution, pooling, padding and batch normalization (nn.functional and their modules),
against PyTorch: values and gradients over a table of strides, paddings, dilations and groups
in float32 and float64, PyTorch's tie and ceil_mode rules, running statistics, initialization,
reprs, state_dict keys, errors, and a small CNN trained side by side with PyTorch's."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tensorbridge as tb
from tensorbridge import nn
from tensorbridge.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
F = nn.functional
TF = torch.nn.functional

# Relative and absolute tolerance per dtype: float32 sums of up to ~100 products.
TOLERANCE = {"float32": (2e-5, 2e-5), "float64": (1e-12, 1e-12)}


@pytest.fixture(autouse=True, scope="module")
def torch_on_one_thread():
    """PyTorch's intra-op threads spin-wait; on a small, busy machine its side of these tiny
    convolutions then took 0.2 s a step. One thread keeps the file fast; restored after."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def both(array, requires_grad=True):
    """The same values as a tensorbridge and a torch tensor."""
    return (tb.tensor(array, requires_grad=requires_grad), torch.tensor(array, requires_grad=requires_grad))


def compare(ours_fn, theirs_fn, arrays, dtype="float64", seed=0):
    """Runs both functions on the same inputs (None passes through), backpropagates one random
    gradient, and checks outputs and every input's gradient."""
    rtol, atol = TOLERANCE[dtype]
    pairs = [(None, None) if a is None else both(a) for a in arrays]
    out, tout = ours_fn(*[p[0] for p in pairs]), theirs_fn(*[p[1] for p in pairs])
    assert list(out.shape) == list(tout.shape)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=rtol, atol=atol)
    grad = np.random.default_rng(seed).standard_normal(tuple(tout.shape)).astype(dtype)
    out.backward(tb.tensor(grad))
    tout.backward(torch.tensor(grad))
    for ours, theirs in pairs:
        if ours is not None:
            np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=rtol, atol=atol)
    return out


def random(shape, dtype="float64", seed=1):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ---- convolution ------------------------------------------------------------------------------
# (op, input shape, weight shape, stride, padding, dilation, groups, bias)
CONVOLUTIONS = [
    ("conv2d", (2, 3, 7, 6), (4, 3, 3, 3), 1, 0, 1, 1, True),
    ("conv2d", (2, 3, 8, 9), (5, 3, 3, 3), 2, 1, 1, 1, True),
    ("conv2d", (2, 3, 9, 7), (4, 3, 3, 2), (2, 1), (1, 2), 1, 1, False),
    ("conv2d", (1, 2, 9, 10), (3, 2, 3, 3), 1, 2, (2, 3), 1, True),
    ("conv2d", (2, 4, 6, 7), (6, 2, 3, 3), (1, 2), 1, 1, 2, True),
    ("conv2d", (2, 4, 5, 5), (8, 1, 3, 3), 1, 1, 1, 4, True),  # depthwise, 2 filters per channel
    ("conv2d", (2, 3, 6, 5), (4, 3, 3, 3), 1, "same", 1, 1, True),
    ("conv2d", (1, 2, 7, 6), (3, 2, 4, 2), 1, "same", (1, 2), 1, True),  # even kernels: more on the right
    ("conv2d", (2, 3, 5, 6), (2, 3, 2, 3), 1, "valid", 1, 1, True),
    ("conv2d", (2, 3, 7, 5), (4, 3, 1, 1), 2, 0, 1, 1, True),  # one tap: no stacking
    ("conv2d", (2, 3, 5, 4), (2, 3, 5, 4), 1, 0, 1, 1, True),  # kernel as large as the input
    ("conv2d", (3, 6, 5), (2, 3, 3, 2), 1, 1, 1, 1, True),  # unbatched
    ("conv1d", (2, 3, 11), (4, 3, 3), 1, 0, 1, 1, True),
    ("conv1d", (2, 4, 13), (6, 2, 4), 3, 2, 2, 2, True),
    ("conv1d", (2, 3, 8), (4, 3, 4), 1, "same", 1, 1, False),
    ("conv1d", (3, 9), (2, 3, 2), 2, 1, 1, 1, True),  # unbatched
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # PyTorch's, not ours
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CONVOLUTIONS, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}-s{c[3]}-p{c[4]}-d{c[5]}-g{c[6]}")
def test_convolution_matches_pytorch_with_gradients(case, dtype):
    op, x_shape, w_shape, stride, padding, dilation, groups, bias = case
    arrays = [random(x_shape, dtype, 1), random(w_shape, dtype, 2), random(w_shape[0], dtype, 3) if bias else None]
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    out = compare(lambda x, w, b: getattr(F, op)(x, w, b, **options),
                  lambda x, w, b: getattr(TF, op)(x, w, b, **options), arrays, dtype)
    assert out.dtype == getattr(tb, dtype)


def test_convolution_of_an_empty_batch_and_second_order_gradients():
    x, w = tb.zeros(0, 3, 5, 5), tb.ones(4, 3, 3, 3)
    assert list(F.conv2d(x, w, padding=1).shape) == [0, 4, 5, 5]
    rng = np.random.default_rng(4)
    xs = [tb.tensor(rng.standard_normal(s), requires_grad=True) for s in [(1, 2, 5, 4), (2, 1, 2, 3), (2,)]]
    conv = lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2)  # noqa: E731
    assert gradcheck(conv, xs)
    assert gradgradcheck(conv, xs)


def test_convolution_errors_name_the_op_and_the_shapes():
    x, w = tb.randn(2, 3, 5, 5), tb.randn(4, 3, 3, 3)
    with pytest.raises(ValueError, match=r"conv2d.*\[2, 3, 5, 5\].*\[4, 2, 3, 3\].*expects 2 input channels.*has 3"):
        F.conv2d(x, tb.randn(4, 2, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d.*\[2, 3, 5, 5\].*\[4, 3, 6, 6\].*smaller than the dilated kernel"):
        F.conv2d(x, tb.randn(4, 3, 6, 6))
    with pytest.raises(ValueError, match=r"conv2d: expected a 3-D \(unbatched\) or 4-D \(batched\) input.*\[5, 5\]"):
        F.conv2d(tb.randn(5, 5), w)
    with pytest.raises(ValueError, match=r"conv1d.*3-D weight.*\[4, 3, 3, 3\]"):
        F.conv1d(tb.randn(2, 3, 5), w)
    with pytest.raises(ValueError, match=r"conv2d.*groups=3 must divide the 4 output channels"):
        F.conv2d(x, tb.randn(4, 1, 3, 3), groups=3)
    with pytest.raises(ValueError, match=r"conv2d.*groups must be a positive integer"):
        F.conv2d(x, w, groups=0)
    with pytest.raises(ValueError, match=r"conv2d.*bias of shape \[4\].*got bias of shape \[3\]"):
        F.conv2d(x, w, tb.randn(3))
    with pytest.raises(ValueError, match=r"conv2d.*stride and dilation must be positive"):
        F.conv2d(x, w, stride=0)
    with pytest.raises(ValueError, match=r"conv2d.*stride.*\[1, 2, 3\]"):
        F.conv2d(x, w, stride=(1, 2, 3))
    with pytest.raises(ValueError, match=r"conv2d: negative padding"):
        F.conv2d(x, w, padding=-1)
    with pytest.raises(ValueError, match=r"conv2d: padding='same' is not supported for strided"):
        F.conv2d(x, w, padding="same", stride=2)
    with pytest.raises(ValueError, match=r"conv2d: invalid padding string 'full'"):
        F.conv2d(x, w, padding="full")
    with pytest.raises(TypeError, match=r"conv2d.*input float64, weight float32"):
        F.conv2d(x.double(), w)


def test_conv_modules_shapes_init_repr_and_state_dict_match_pytorch():
    tb.manual_seed(0)
    for ours, theirs in [
        (nn.Conv2d(3, 8, 3), torch.nn.Conv2d(3, 8, 3)),
        (nn.Conv2d(4, 6, (3, 2), stride=2, padding=1, dilation=2, groups=2, bias=False),
         torch.nn.Conv2d(4, 6, (3, 2), stride=2, padding=1, dilation=2, groups=2, bias=False)),
        (nn.Conv1d(2, 4, 5, padding="same"), torch.nn.Conv1d(2, 4, 5, padding="same")),
    ]:
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for name, param in theirs.named_parameters():
            assert list(getattr(ours, name).shape) == list(param.shape)
    # kaiming_uniform_(a=sqrt(5)) and the bias both draw from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    conv = nn.Conv2d(16, 64, 3, groups=2)
    bound = 1 / math.sqrt(8 * 9)
    weight, bias = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.99 * bound
    assert np.abs(bias).max() <= bound and np.abs(bias).max() > 0.8 * bound
    assert abs(weight.mean()) < 0.01 and weight.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    x = tb.randn(2, 16, 5, 5)
    expected = F.conv2d(x, conv.weight, conv.bias, groups=2)
    np.testing.assert_array_equal(conv(x).detach().numpy(), expected.detach().numpy())
    assert nn.Conv2d(2, 2, 3, dtype=tb.float64).weight.dtype == tb.float64


def test_conv_module_errors():
    with pytest.raises(NotImplementedError, match="padding_mode='reflect'"):
        nn.Conv2d(3, 4, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        nn.Conv1d(4, 4, 3, groups=0)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv1d(4, 4, 3, stride=2, padding="same")


# ---- pad ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("pad,value", [((1, 2), 0.0), ((0, 1, 2, 0), -1.5), ((-1, 2, 1, -2), 0.0),
                                       ((1, 1, 1, 1, 1, 1), 3.0)])
def test_pad_matches_pytorch_with_gradients(pad, value):
    compare(lambda x: F.pad(x, pad, value=value), lambda x: TF.pad(x, pad, value=value), [random((2, 3, 4))])


def test_pad_errors():
    x = tb.zeros(2, 3)
    with pytest.raises(NotImplementedError, match="pad: mode 'reflect'"):
        F.pad(x, (1, 1), mode="reflect")
    with pytest.raises(ValueError, match="divisible by 2"):
        F.pad(x, (1,))
    with pytest.raises(ValueError, match=r"padding length 6.*\[2, 3\]"):
        F.pad(x, (1,) * 6)
    with pytest.raises(ValueError, match=r"pad: dim 1.*\[2, 3\].*negative"):
        F.pad(x, (-2, -2))


# ---- pooling ------------------------------------------------------------------------------------
# (op, input shape, options)
POOLS = [
    ("max_pool2d", (2, 3, 7, 6), dict(kernel_size=2)),
    ("max_pool2d", (2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool2d", (2, 2, 9, 8), dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), dilation=(2, 1))),
    ("max_pool2d", (3, 5, 5), dict(kernel_size=3, stride=1)),  # unbatched, overlapping windows
    ("max_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, ceil_mode=True)),
    ("max_pool1d", (3, 10), dict(kernel_size=4, padding=2, dilation=2)),
    ("avg_pool2d", (2, 3, 7, 6), dict(kernel_size=2)),
    ("avg_pool2d", (2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool2d", (2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("avg_pool2d", (2, 2, 6, 8), dict(kernel_size=(2, 4), stride=(2, 3), padding=(1, 2), divisor_override=3)),
    ("avg_pool1d", (2, 3, 9), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True, count_include_pad=False)),
    ("avg_pool1d", (3, 8), dict(kernel_size=3, stride=1, padding=1)),
    ("adaptive_avg_pool2d", (2, 3, 7, 6), dict(output_size=(3, 4))),
    ("adaptive_avg_pool2d", (3, 8, 6), dict(output_size=(4, None))),  # one divides evenly, one kept
    ("adaptive_avg_pool2d", (2, 3, 5, 5), dict(output_size=1)),
    ("adaptive_avg_pool1d", (2, 3, 10), dict(output_size=4)),
]


def pool_id(value):
    return "-".join(f"{k}{v}" for k, v in value.items()) if isinstance(value, dict) else str(value)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op,shape,options", POOLS, ids=pool_id)
def test_pooling_matches_pytorch_with_gradients(op, shape, options, dtype):
    compare(lambda x: getattr(F, op)(x, **options), lambda x: getattr(TF, op)(x, **options),
            [random(shape, dtype)], dtype)


@pytest.mark.parametrize("op,shape,options", [p for p in POOLS if p[0].startswith("max")], ids=pool_id)
def test_max_pool_indices_match_pytorch(op, shape, options):
    x = random(shape)
    values, indices = getattr(F, op)(tb.tensor(x), return_indices=True, **options)
    t_values, t_indices = getattr(TF, op)(torch.tensor(x), return_indices=True, **options)
    np.testing.assert_array_equal(values.numpy(), t_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    assert indices.dtype == tb.int64


def test_max_pool_ties_pick_the_first_maximum_like_pytorch():
    # Equal values within windows and windows that overlap: PyTorch takes the first maximum
    # in row-major order and sends each window's gradient to it alone.
    x = np.array([[[[1.0, 3.0, 3.0, 0.0], [3.0, 3.0, 2.0, 2.0], [0.0, 2.0, 2.0, 1.0], [2.0, 2.0, 1.0, 1.0]]]])
    for options in [dict(kernel_size=2, stride=1), dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)]:
        compare(lambda t: F.max_pool2d(t, **options), lambda t: TF.max_pool2d(t, **options), [x])
        _, indices = F.max_pool2d(tb.tensor(x), return_indices=True, **options)
        _, t_indices = TF.max_pool2d(torch.tensor(x), return_indices=True, **options)
        np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())


def test_max_pool_propagates_nan_like_pytorch():
    # One NaN per window: the same values, indices and gradients (with several, PyTorch's
    # index is the last NaN and ours the first; see _pooling.py).
    x = np.array([[[1.0, np.nan, 3.0, 2.0, np.nan, 0.0, 0.0, 5.0]]])
    compare(lambda t: F.max_pool1d(t, 2), lambda t: TF.max_pool1d(t, 2), [x])
    _, indices = F.max_pool1d(tb.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(indices.numpy(), [[[1, 2, 4, 7]]])


def test_pooling_modules_match_pytorch():
    x = random((2, 3, 8, 7), "float32")
    pairs = [
        (nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
        (nn.AvgPool2d((2, 3), count_include_pad=False, padding=1),
         torch.nn.AvgPool2d((2, 3), count_include_pad=False, padding=1)),
        (nn.AdaptiveAvgPool2d((3, None)), torch.nn.AdaptiveAvgPool2d((3, None))),
        (nn.MaxPool1d(2), torch.nn.MaxPool1d(2)),
        (nn.AvgPool1d(3, 2), torch.nn.AvgPool1d(3, 2)),
        (nn.AdaptiveAvgPool1d(2), torch.nn.AdaptiveAvgPool1d(2)),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        data = x if "2d" in type(ours).__name__ else x[0]
        np.testing.assert_allclose(ours(tb.tensor(data)).numpy(), theirs(torch.tensor(data)).numpy(), rtol=1e-6)
        assert list(ours.parameters()) == [] and ours.state_dict() == {}
    values, indices = nn.MaxPool2d(2, return_indices=True)(tb.tensor(x))
    t_values, t_indices = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())


def test_pooling_errors():
    x = tb.randn(2, 3, 5, 5)
    with pytest.raises(ValueError, match=r"max_pool2d: padding must be between 0 and half.*padding=\[2, 2\]"):
        F.max_pool2d(x, 3, padding=2)
    with pytest.raises(ValueError, match=r"avg_pool2d: padding must be between 0 and half"):
        F.avg_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match=r"max_pool2d: input of shape \[2, 3, 5, 5\].*output size \[0, 0\].*too small"):
        F.max_pool2d(x, 6)
    with pytest.raises(ValueError, match=r"max_pool2d.*must be positive.*stride=\[0, 0\]"):
        F.max_pool2d(x, 2, stride=0)
    with pytest.raises(ValueError, match=r"max_pool1d: expected a 2-D \(unbatched\) or 3-D .*\[2, 3, 5, 5\]"):
        F.max_pool1d(x, 2)
    with pytest.raises(ValueError, match=r"avg_pool2d.*non-zero.*\[2, 0, 5, 5\]"):
        F.avg_pool2d(tb.zeros(2, 0, 5, 5), 2)
    with pytest.raises(TypeError, match=r"max_pool2d: expected a floating point input, got int64"):
        F.max_pool2d(tb.zeros(1, 4, 4, dtype=tb.int64), 2)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: output_size must be 2 positive ints"):
        F.adaptive_avg_pool2d(x, (2, 0))
    with pytest.raises(ValueError, match="divisor_override must not be zero"):
        F.avg_pool2d(x, 2, divisor_override=0)


# ---- batch normalization ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 2, 4, 5)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_pytorch_with_gradients(shape, training, dtype):
    channels = shape[1]
    x = random(shape, dtype) * 3 + 2
    weight, bias = random(channels, dtype, 5), random(channels, dtype, 6)
    mean, var = random(channels, dtype, 7), np.abs(random(channels, dtype, 8)) + 0.5
    stats = {}
    for lib in (tb, torch):
        stats[lib] = [lib.tensor(mean), lib.tensor(var)]
    compare(lambda x, w, b: F.batch_norm(x, *stats[tb], w, b, training, 0.3, 1e-3),
            lambda x, w, b: TF.batch_norm(x, *stats[torch], w, b, training, 0.3, 1e-3),
            [x, weight, bias], dtype)
    rtol, atol = TOLERANCE[dtype]
    for ours, theirs in zip(stats[tb], stats[torch]):  # the unbiased running update (or none)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (8, 3)), ("BatchNorm1d", (4, 3, 6)),
                                       ("BatchNorm2d", (4, 3, 5, 5))])
@pytest.mark.parametrize("momentum", [0.1, None, 0.5])
def test_batch_norm_modules_track_statistics_like_pytorch(cls, shape, momentum):
    ours, theirs = getattr(nn, cls)(3, momentum=momentum), getattr(torch.nn, cls)(3, momentum=momentum)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for step in range(4):
        x = random(shape, "float32", step) * (step + 1) + step
        out = compare(ours, theirs, [x], "float32", seed=step)
        assert out.grad_fn is not None
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, name).numpy(), getattr(theirs, name).numpy(), rtol=1e-5, atol=1e-6)
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 4
    assert ours.num_batches_tracked.dtype == tb.int64
    ours.eval()
    theirs.eval()
    compare(ours, theirs, [random(shape, "float32", 9)], "float32")
    assert ours.num_batches_tracked.item() == 4  # eval mode updates nothing
    # A state_dict from PyTorch loads, and gives the same eval outputs.
    fresh = getattr(nn, cls)(3, momentum=momentum).eval()
    fresh.load_state_dict({k: tb.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = random(shape, "float32", 10)
    np.testing.assert_allclose(fresh(tb.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("options", [dict(affine=False), dict(track_running_stats=False), dict(bias=False),
                                     dict(affine=False, track_running_stats=False, eps=0.1)])
def test_batch_norm_options_match_pytorch(options):
    ours, theirs = nn.BatchNorm2d(2, **options), torch.nn.BatchNorm2d(2, **options)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for mode in ("train", "eval"):  # without running statistics, eval normalizes by the batch
        getattr(ours, mode)()
        getattr(theirs, mode)()
        compare(ours, theirs, [random((3, 2, 4, 4), "float32")], "float32")


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D input \(got 3D input"):
        nn.BatchNorm2d(3)(tb.randn(2, 3, 4))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2D or 3D input \(got 4D input"):
        nn.BatchNorm1d(3)(tb.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"batch_norm: running_mean of shape \[4\] should have 3 .*\[2, 3, 5, 5\]"):
        nn.BatchNorm2d(4)(tb.randn(2, 3, 5, 5))
    with pytest.raises(ValueError, match=r"more than 1 value per channel when training, got input size \[1, 3\]"):
        nn.BatchNorm1d(3)(tb.randn(1, 3))
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\[1, 3, 1, 1\]"):
        F.batch_norm(tb.randn(1, 3, 1, 1), None, None, training=True)
    with pytest.raises(ValueError, match="running_mean and running_var must be given when not training"):
        F.batch_norm(tb.randn(2, 3), None, None)
    with pytest.raises(ValueError, match=r"batch_norm: expected an input of at least 2 dims.*\[3\]"):
        F.batch_norm(tb.randn(3), None, None, training=True)
    nn.BatchNorm1d(3).eval()(tb.randn(1, 3))  # one sample is fine in eval mode


# ---- a small CNN --------------------------------------------------------------------------------
def small_cnn(lib):
    return lib.nn.Sequential(
        lib.nn.Conv2d(3, 6, 3, padding=1), lib.nn.BatchNorm2d(6), lib.nn.ReLU(), lib.nn.MaxPool2d(2),
        lib.nn.Flatten(), lib.nn.Linear(6 * 4 * 4, 4),
    )


def test_a_small_cnn_matches_pytorch_and_trains():
    tb.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = small_cnn(tb), small_cnn(torch)
    ours.load_state_dict({k: tb.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 4, 16)
    xs, ys = (tb.tensor(x), tb.tensor(labels)), (torch.tensor(x), torch.tensor(labels))
    opt = tb.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    t_opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for step in range(15):
        opt.zero_grad()
        t_opt.zero_grad()
        loss = F.cross_entropy(ours(xs[0]), xs[1])
        t_loss = TF.cross_entropy(theirs(ys[0]), ys[1])
        loss.backward()
        t_loss.backward()
        if step == 0:  # same weights: same loss and gradients
            assert loss.item() == pytest.approx(t_loss.item(), rel=1e-5)
            for (name, p), (t_name, t_p) in zip(ours.named_parameters(), theirs.named_parameters()):
                assert name == t_name
                np.testing.assert_allclose(p.grad.numpy(), t_p.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
        opt.step()
        t_opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]
    # The trajectories stay together (float32 rounding apart).
    assert losses[-1] == pytest.approx(t_loss.item(), rel=1e-2, abs=1e-3)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(xs[0]).detach().numpy(), theirs(ys[0]).detach().numpy(), rtol=1e-3, atol=1e-3)
