"""The optimizer base class: PyTorch's param_groups, state_dict and zero_grad over the C++
optimizers (``tensorbridge._C._optim``), which update each parameter in one fused loop.

``param_groups`` is a list of dicts, as in PyTorch, and changing a value in one (a
learning-rate schedule does ``group["lr"] = ...``) takes effect at the next ``step()``:
the dicts note the change, and ``step()`` hands changed values to C++ before updating.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .._C import Tensor
from ..autograd import enable_grad


class _ParamGroup(dict):  # type: ignore[type-arg]
    """A param_groups entry: a dict that tells its optimizer when a value changes."""

    def __init__(self, owner: Optimizer, values: dict[str, Any]) -> None:
        super().__init__(values)
        self._owner = owner

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self or self[key] is not value:
            self._owner._changed = True
        super().__setitem__(key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._owner._changed = True

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._owner._changed = True
        return super().setdefault(key, default)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._owner._changed = True


class Optimizer:
    """Base class of the optimizers. ``params`` is an iterable of tensors or of dicts (param
    groups) holding "params" and any per-group hyperparameter; the others come from
    ``defaults``."""

    # The C++ hyperparameters of a group, by name, from its dict (subclasses fill this in).
    _names: tuple[str, ...] = ()
    _impl: Any

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = []
        self._impl = None
        self._changed = False
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {type(params).__name__}"
            )
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def _cpp_values(self, group: dict[str, Any]) -> list[float]:
        """The group's hyperparameters in the order of ``_names`` (C++'s constructor order)."""
        raise NotImplementedError

    def _new_impl(self, params: list[Tensor], values: list[float]) -> Any:
        raise NotImplementedError

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Adds a group of parameters with its own hyperparameters (the defaults fill in the
        rest), e.g. a layer unfrozen during fine-tuning."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of "
                "tensors in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        values = dict(self.defaults)
        values.update(param_group)
        values["params"] = params
        group = _ParamGroup(self, values)
        cpp_values = self._cpp_values(group)
        if self._impl is None:
            self._impl = self._new_impl(params, cpp_values)
        else:
            self._impl.add_param_group(params, *cpp_values)
        self.param_groups.append(group)

    def _push_hyperparameters(self) -> None:
        for index, group in enumerate(self.param_groups):
            for name, value in zip(self._names, self._cpp_values(group)):
                self._impl.set_hyperparameter(index, name, value)
        self._changed = False

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clears every parameter's gradient: None (the default) or zeros."""
        self._impl.zero_grad(set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Updates every parameter that has a gradient. ``closure``, if given, re-evaluates
        the model and returns the loss (run with grad mode on); step returns its result."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        if self._changed:
            self._push_hyperparameters()
        self._impl.step()
        return loss

    @property
    def state(self) -> dict[Tensor, dict[str, Any]]:
        """Per-parameter state (momentum buffers, Adam's moments) keyed by parameter."""
        entries, _ = self._impl.state_dict()
        params = [p for group in self.param_groups for p in group["params"]]
        return {p: dict(entry) for p, entry in zip(params, entries) if entry}

    def state_dict(self) -> dict[str, Any]:
        """{"state": {index: {name: tensor}}, "param_groups": [group without its tensors, with
        "params" holding their indices]}; parameters are numbered across groups in order."""
        entries, _ = self._impl.state_dict()
        groups = []
        index = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = list(range(index, index + len(group["params"])))
            index += len(group["params"])
            groups.append(packed)
        state = {i: dict(entry) for i, entry in enumerate(entries) if entry}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restores hyperparameters and state saved by state_dict() of an optimizer over
        parameters of the same shapes (state tensors are copied)."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for saved, group in zip(saved_groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
                )
        saved_state = state_dict["state"]
        entries: list[list[tuple[str, Tensor]]] = []
        for saved, group in zip(saved_groups, self.param_groups):
            dict.update(group, {k: v for k, v in saved.items() if k != "params"})
            entries.extend(list(saved_state.get(i, {}).items()) for i in saved["params"])
        hyperparameters = [list(zip(self._names, self._cpp_values(g))) for g in self.param_groups]
        self._impl.load_state_dict(entries, hyperparameters)
        self._changed = False

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        return "\n".join(lines) + "\n)"
