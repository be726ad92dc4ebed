"""Evaluation of pipelines, commands, fields and function calls (Go ``exec.go`` ``eval*``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tagpilot.golang.template import nodes as n
from tagpilot.golang.template.builtins import BUILTINS
from tagpilot.golang.template.errors import FuncError, TemplateError, TemplateExecError
from tagpilot.golang.template.quote import go_quote
from tagpilot.golang.template.signature import (
    ANY,
    BOOL,
    FLOAT,
    INT,
    MAP,
    SLICE,
    STRING,
    VALUE,
    can_be_nil,
    signature,
)
from tagpilot.golang.template.values import (
    MISSING,
    is_struct,
    struct_fields,
    struct_method,
    truth,
    type_name,
)


class _NoFinal:
    """Go's ``missingVal``: no value is piped into the command."""


NO_FINAL: Any = _NoFinal()
_CHECKS: dict[str, Callable[[Any], bool]] = {
    STRING: lambda v: isinstance(v, str),
    INT: lambda v: isinstance(v, int) and not isinstance(v, bool),
    FLOAT: lambda v: isinstance(v, float),
    BOOL: lambda v: isinstance(v, bool),
    SLICE: lambda v: isinstance(v, list | tuple),
    MAP: lambda v: isinstance(v, dict),
}


class Evaluator:
    """Expression evaluation shared by :class:`~tagpilot.golang.template.executor.State`."""

    vars: list[tuple[str, Any]]

    def __init__(
        self, funcs: Mapping[str, Callable[..., Any]], tree_name: str, parse_name: str, text: str
    ) -> None:
        self.funcs = funcs
        self.tree_name = tree_name
        self.parse_name = parse_name
        self.text = text
        self.node: n.Node | None = None

    # -- errors ------------------------------------------------------------------------------
    def at(self, node: n.Node) -> None:
        self.node = node

    def error(self, detail: str) -> TemplateExecError:
        """The execution error for ``detail`` at the current node (Go ``state.errorf``)."""
        name = self.tree_name
        if self.node is None:
            message = f"template: {name}: {detail}"
        else:
            pos = self.node.pos
            before = self.text[:pos]
            nl = before.rfind("\n")
            column = len(before[nl + 1 :].encode())
            line = 1 + before.count("\n")
            location = f"{self.parse_name}:{line}:{column}"
            message = f"template: {location}: executing {go_quote(name)} at <{self.node}>: {detail}"
        return TemplateExecError(message, name, detail)

    # -- variables ---------------------------------------------------------------------------
    def var_value(self, name: str) -> Any:
        for var_name, value in reversed(self.vars):
            if var_name == name:
                return value
        raise self.error(f"undefined variable: {name}")

    def set_var(self, name: str, value: Any) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i] = (name, value)
                return
        raise self.error(f"undefined variable: {name}")

    # -- pipelines and commands --------------------------------------------------------------
    def eval_pipeline(self, dot: Any, pipe: n.PipeNode) -> Any:
        self.at(pipe)
        value = NO_FINAL
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value)
            if value is None:
                # A nil interface{} result becomes the invalid value, as in Go.
                value = MISSING
        for var in pipe.decl:
            if pipe.is_assign:
                self.set_var(var.ident[0], value)
            else:
                self.vars.append((var.ident[0], value))
        return value

    def _not_a_function(self, args: list[n.Node], final: Any) -> None:
        if len(args) > 1 or final is not NO_FINAL:
            raise self.error(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: Any, cmd: n.CommandNode, final: Any) -> Any:
        first = cmd.args[0]
        if isinstance(first, n.FieldNode):
            self.at(first)
            return self.eval_field_chain(dot, dot, first, first.ident, cmd.args, final)
        if isinstance(first, n.ChainNode):
            return self.eval_chain(dot, first, cmd.args, final)
        if isinstance(first, n.IdentifierNode):
            return self.eval_function(dot, first, cmd, cmd.args, final)
        if isinstance(first, n.PipeNode):
            self._not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        if isinstance(first, n.VariableNode):
            return self.eval_variable(dot, first, cmd.args, final)
        self.at(first)
        self._not_a_function(cmd.args, final)
        if isinstance(first, n.BoolNode):
            return first.value
        if isinstance(first, n.DotNode):
            return dot
        if isinstance(first, n.NilNode):
            raise self.error("nil is not a command")
        if isinstance(first, n.NumberNode):
            return self.ideal_constant(first)
        if isinstance(first, n.StringNode):
            return first.text
        raise self.error(f"can't evaluate command {go_quote(str(first))}")

    def ideal_constant(self, num: n.NumberNode) -> Any:
        self.at(num)
        text = num.text
        is_hex_int = text[:2].lower() == "0x" and not any(c in text for c in "pP")
        if num.is_float and not is_hex_int and text[0] != "'" and any(c in text for c in ".eEpP"):
            return num.float_value
        if num.is_int:
            return num.int_value
        if num.is_uint:
            raise self.error(f"{text} overflows int")
        return MISSING

    def eval_chain(
        self, dot: Any, chain: n.ChainNode, args: list[n.Node] | None, final: Any
    ) -> Any:
        self.at(chain)
        if isinstance(chain.node, n.NilNode):
            raise self.error(f"indirection through explicit nil in {chain}")
        assert chain.node is not None
        receiver = self.eval_arg(dot, None, chain.node)
        return self.eval_field_chain(dot, receiver, chain, chain.fields, args, final)

    def eval_variable(
        self, dot: Any, var: n.VariableNode, args: list[n.Node] | None, final: Any
    ) -> Any:
        self.at(var)
        value = self.var_value(var.ident[0])
        if len(var.ident) == 1:
            self._not_a_function(args or [var], final)
            return value
        return self.eval_field_chain(dot, value, var, var.ident[1:], args, final)

    def eval_field_chain(
        self,
        dot: Any,
        receiver: Any,
        node: n.Node,
        ident: list[str],
        args: list[n.Node] | None,
        final: Any,
    ) -> Any:
        for name in ident[:-1]:
            receiver = self.eval_field(dot, name, node, None, NO_FINAL, receiver)
        return self.eval_field(dot, ident[-1], node, args, final, receiver)

    def eval_function(
        self,
        dot: Any,
        node: n.IdentifierNode,
        cmd: n.Node,
        args: list[n.Node] | None,
        final: Any,
    ) -> Any:
        self.at(node)
        name = node.ident
        fn = self.funcs.get(name) or BUILTINS.get(name)
        if fn is None:
            raise self.error(f"{go_quote(name)} is not a defined function")
        is_builtin = name not in self.funcs
        return self.eval_call(dot, fn, is_builtin, cmd, name, args, final)

    def eval_field(
        self,
        dot: Any,
        name: str,
        node: n.Node,
        args: list[n.Node] | None,
        final: Any,
        receiver: Any,
    ) -> Any:
        if receiver is MISSING:
            return MISSING
        if receiver is None:
            raise self.error(f"nil pointer evaluating interface {{}}.{name}")
        method = struct_method(receiver, name)
        if method is not None:
            return self.eval_call(dot, method, False, node, name, args, final)
        has_args = (args is not None and len(args) > 1) or final is not NO_FINAL
        fields = struct_fields(receiver) if is_struct(receiver) else {}
        if name in fields:
            if has_args:
                raise self.error(f"{name} has arguments but cannot be invoked as function")
            return getattr(receiver, fields[name])
        if isinstance(receiver, dict) and all(isinstance(k, str) for k in receiver):
            if has_args:
                raise self.error(f"{name} is not a method but has arguments")
            return receiver.get(name, MISSING)
        raise self.error(f"can't evaluate field {name} in type {type_name(receiver)}")

    # -- calls -------------------------------------------------------------------------------
    def eval_call(
        self,
        dot: Any,
        fn: Callable[..., Any],
        is_builtin: bool,
        node: n.Node,
        name: str,
        args: list[n.Node] | None,
        final: Any,
    ) -> Any:
        arg_nodes = args[1:] if args is not None else []
        sig = signature(fn)
        num_in = len(arg_nodes) + (final is not NO_FINAL)
        num_fixed = len(sig.fixed)
        if sig.variadic is not None:
            if num_in < num_fixed:
                raise self.error(
                    f"wrong number of args for {name}: want at least {num_fixed} "
                    f"got {len(arg_nodes)}"
                )
        elif num_in != num_fixed:
            raise self.error(f"wrong number of args for {name}: want {num_fixed} got {num_in}")
        if is_builtin and name in ("and", "or"):
            value = MISSING
            for arg in arg_nodes:
                value = self.eval_arg(dot, None, arg)
                if truth(value) == (name == "or"):
                    return value
            return final if final is not NO_FINAL else value
        argv = []
        for i, arg in enumerate(arg_nodes):
            kind = sig.fixed[i] if i < num_fixed else sig.variadic
            argv.append(self.eval_arg(dot, kind, arg))
        if final is not NO_FINAL:
            last = num_in - 1
            kind = sig.fixed[last] if last < num_fixed else sig.variadic
            argv.append(self.validate(final, kind))
        return self._safe_call(fn, argv, node, name)

    def _safe_call(self, fn: Callable[..., Any], argv: list[Any], node: n.Node, name: str) -> Any:
        try:
            return fn(*argv)
        except TemplateError:
            raise
        except FuncError as err:
            self.at(node)
            raise self.error(f"error calling {name}: {err}") from err
        except Exception as err:  # noqa: BLE001 - Go's safeCall recovers any panic of a function
            self.at(node)
            raise self.error(f"error calling {name}: {err}") from err

    def eval_arg(self, dot: Any, kind: str | None, node: n.Node) -> Any:
        self.at(node)
        if isinstance(node, n.DotNode):
            return self.validate(dot, kind)
        if isinstance(node, n.NilNode):
            if kind is None or can_be_nil(kind):
                return MISSING if kind in (None, VALUE) else None
            raise self.error(f"cannot assign nil to {kind}")
        if isinstance(node, n.FieldNode):
            value = self.eval_field_chain(dot, dot, node, node.ident, [node], NO_FINAL)
            return self.validate(value, kind)
        if isinstance(node, n.VariableNode):
            return self.validate(self.eval_variable(dot, node, None, NO_FINAL), kind)
        if isinstance(node, n.PipeNode):
            return self.validate(self.eval_pipeline(dot, node), kind)
        if isinstance(node, n.IdentifierNode):
            return self.validate(self.eval_function(dot, node, node, None, NO_FINAL), kind)
        if isinstance(node, n.ChainNode):
            return self.validate(self.eval_chain(dot, node, None, NO_FINAL), kind)
        return self._literal(node, kind)

    def _literal(self, node: n.Node, kind: str | None) -> Any:
        if kind == BOOL:
            if isinstance(node, n.BoolNode):
                return node.value
            raise self.error(f"expected bool; found {node}")
        if kind == STRING:
            if isinstance(node, n.StringNode):
                return node.text
            raise self.error(f"expected string; found {node}")
        if kind == INT:
            if isinstance(node, n.NumberNode) and node.is_int:
                return node.int_value
            raise self.error(f"expected integer; found {node}")
        if kind == FLOAT:
            if isinstance(node, n.NumberNode) and node.is_float:
                return node.float_value
            raise self.error(f"expected float; found {node}")
        if kind in (None, ANY, VALUE):
            if isinstance(node, n.BoolNode):
                return node.value
            if isinstance(node, n.NumberNode):
                return self.ideal_constant(node)
            if isinstance(node, n.StringNode):
                return node.text
        raise self.error(f"can't handle {node} for arg of type {kind}")

    def validate(self, value: Any, kind: str | None) -> Any:
        """Check ``value`` against a parameter kind (Go ``validateType``)."""
        if kind is None:
            return value
        if value is MISSING or value is None:
            if kind == VALUE:
                return MISSING
            if can_be_nil(kind):
                return None
            raise self.error(f"invalid value; expected {kind}")
        check = _CHECKS.get(kind)
        if check is not None and not check(value):
            raise self.error(f"wrong type for value; expected {kind}; got {type_name(value)}")
        return value
