"""Inspect a user's Keras 3 model file (.keras) without importing Keras.

The web server accepts models that users upload and hands them to a training worker, which
loads them with `keras.saving.load_model(path, safe_mode=True)`. Importing Keras (and its
backend) in the server would cost seconds and hundreds of MB per process, so this module reads
the file with the standard library alone: a .keras file is a zip archive whose config.json
describes the model, and metadata.json names the Keras version that wrote it.

`inspect_model_file` says in one sentence what is wrong with a file the worker could not or
should not load (too large, legacy HDF5, not a zip, a zip bomb, a single layer instead of a
model, Lambda layers that safe mode refuses, more than one input, inputs that are not images)
and otherwise returns what the server needs to know: the input shape, the number of outputs and
the output activation. Layouts it does not recognise are not errors: those fields are None.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ...errors import InputError

MAX_MODEL_BYTES = 256 * 2**20  # the .keras file itself
MAX_CONFIG_BYTES = 16 * 2**20  # config.json inside it (declared uncompressed size, checked before reading)
MAX_METADATA_BYTES = 2**20  # metadata.json: a few dozen bytes when Keras writes it

HDF5_SIGNATURE = b"\x89HDF"
MODEL_CLASSES = frozenset({"Sequential", "Functional", "Model"})
MODEL_MODULES = ("keras.src.models", "keras.models")  # and "keras" itself, Sequential's module
PASS_THROUGH = frozenset({"Activation", "Softmax"})  # an output layer that only applies an activation
MAX_NESTING = 16  # models inside models followed for the input and output; deeper is "unknown"
SAVE_HINT = 'save the model with model.save("model.keras") in Keras 3 and upload that file'

Shape = tuple[int | None, ...]


@dataclass(frozen=True)
class ModelFileInfo:
    """What the server needs to know about a model file that passed every check."""

    name: str  # the file's name as given (for messages)
    class_name: str  # "Sequential", "Functional", "Model", ...
    input_shape: Shape | None  # without the batch axis, e.g. (96, 96, 3); None for a free dimension
    outputs: int | None  # units of the model's (single) output, last axis; None when unknown
    output_activation: str | None  # the last layer's activation ("softmax", "sigmoid", "linear"), else None
    layers: int  # number of layers at the top level (input layers not counted)
    keras_version: str | None  # from metadata.json when present


def inspect_model_file(source: bytes | str | Path, name: str | None = None) -> ModelFileInfo:
    """Read a .keras file (its bytes or its path) and describe the model, or raise InputError.

    Only InputError is raised for a bad file; its message names the file, the problem and the fix.
    """
    name = name or (Path(source).name if isinstance(source, str | Path) else "the model file")
    config, keras_version = _read_archive(source, name)
    _check_is_model(config, name)
    _refuse_code_in_file(config, name)
    inputs = _input_shapes(config, 0)
    if inputs is not None and len(inputs) != 1:
        raise InputError(
            f"{name} takes {len(inputs)} inputs; images need one, so build the model with a "
            "single keras.Input((height, width, channels)) and save it again"
        )
    input_shape = inputs[0] if inputs else None
    if input_shape is not None and len(input_shape) != 3:
        raise InputError(
            f"{name} takes inputs of shape {input_shape}; images need (height, width, channels), "
            "so start the model with keras.Input((height, width, 3)) and save it again"
        )
    units, activation = _output(config, 0)
    return ModelFileInfo(
        name=name,
        class_name=config["class_name"],
        input_shape=input_shape,
        outputs=units,
        output_activation=activation,
        layers=_top_level_layer_count(config),
        keras_version=keras_version,
    )


# -- the archive --------------------------------------------------------------------------------


def _read_archive(source: bytes | str | Path, name: str) -> tuple[dict, str | None]:
    """config.json as a dict and metadata.json's Keras version, after the size and format checks."""
    if isinstance(source, bytes | bytearray):
        check_file_size(len(source), name)
        if bytes(source[:4]) == HDF5_SIGNATURE:
            raise _hdf5_error(name)
        return _read_zip(io.BytesIO(source), name)
    if not isinstance(source, str | Path):
        raise TypeError(f"source must be bytes, str or Path; got {type(source).__name__}")
    path = Path(source)
    try:
        if not path.is_file():
            raise InputError(f"{name}: no such file (or it is a folder); upload a .keras model file")
        check_file_size(path.stat().st_size, name)  # before reading a byte of it
        with path.open("rb") as file:
            if file.read(4) == HDF5_SIGNATURE:
                raise _hdf5_error(name)
            file.seek(0)
            return _read_zip(file, name)
    except OSError as error:
        raise InputError(f"{name}: cannot read it ({error.strerror or error}); upload it again") from None


def check_file_size(size: int, name: str) -> None:
    """InputError when a model file of `size` bytes is over MAX_MODEL_BYTES (before reading it)."""
    if size > MAX_MODEL_BYTES:
        raise InputError(
            f"{name} is {megabytes(size)}, over the {megabytes(MAX_MODEL_BYTES)} limit for a "
            "model file; upload a smaller model"
        )


def megabytes(size: int) -> str:
    value = size / 2**20
    return f"{value:,.1f} MB" if value >= 0.1 else f"{value:.2g} MB"  # small limits appear in tests


def _hdf5_error(name: str) -> InputError:
    return InputError(
        f"{name} is a legacy HDF5 (.h5) model, which this server does not load; load it in "
        'Keras 3, save it with model.save("model.keras") and upload that file'
    )


def _not_keras(name: str, what: str) -> InputError:
    return InputError(
        f"{name} is {what}, so not a Keras model file (.keras is a zip archive holding config.json); {SAVE_HINT}"
    )


def _read_zip(file: IO[bytes], name: str) -> tuple[dict, str | None]:
    # zipfile raises a zoo of types for hostile archives (BadZipFile, zlib.error, EOFError,
    # RuntimeError for an encrypted entry, NotImplementedError for an unknown compression, LZMAError
    # ...): every one means "this cannot be read", so all become the same InputError.
    try:
        with zipfile.ZipFile(file) as archive:
            members = {info.filename: info for info in archive.infolist()}
            if "config.json" not in members:
                raise _not_keras(name, "a zip archive without config.json")
            config_bytes = _read_member(archive, members["config.json"], MAX_CONFIG_BYTES, name)
            metadata = members.get("metadata.json")
            metadata_bytes = _read_member(archive, metadata, MAX_METADATA_BYTES, name) if metadata else None
    except InputError:
        raise
    except Exception:  # see above
        raise _not_keras(name, "not a zip archive (or a damaged one)") from None
    return _parse_config(config_bytes, name), _keras_version(metadata_bytes)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, name: str) -> bytes:
    """The member's bytes; the declared size is checked first, and no more than it is ever read."""
    if info.file_size > limit:
        raise InputError(
            f"{name}: its {info.filename} unpacks to {megabytes(info.file_size)}, over the "
            f"{megabytes(limit)} limit, which no model saved by Keras needs; {SAVE_HINT}"
        )
    with archive.open(info) as member:
        return member.read(limit)  # zipfile never returns more than the declared size


def _parse_config(data: bytes, name: str) -> dict:
    try:
        config = json.loads(data)
    except (ValueError, RecursionError) as error:  # RecursionError: hostile nesting thousands deep
        reason = str(error) if isinstance(error, ValueError) else "nested too deeply"
        raise InputError(f"{name}: its config.json is not valid JSON ({reason}); {SAVE_HINT}") from None
    if not isinstance(config, dict):
        raise InputError(
            f"{name}: its config.json holds a JSON {type(config).__name__}, not a model "
            f"description (an object); {SAVE_HINT}"
        )
    return config


def _keras_version(data: bytes | None) -> str | None:
    """metadata.json's keras_version; a missing or unreadable one is no reason to refuse the model."""
    try:
        version = json.loads(data).get("keras_version") if data else None
    except (ValueError, RecursionError, AttributeError):
        return None
    return version if isinstance(version, str) else None


# -- what the config describes ------------------------------------------------------------------


def _check_is_model(config: dict, name: str) -> None:
    class_name, module = config.get("class_name"), config.get("module")
    if not isinstance(class_name, str) or not class_name:
        raise InputError(f"{name}: its config.json names no class, so it describes no model; {SAVE_HINT}")
    if class_name in MODEL_CLASSES or _is_keras_model_module(module):
        return
    if isinstance(module, str) and module.startswith(("keras.layers", "keras.src.layers")):
        what = f"a single {class_name} layer, not a model"
    elif isinstance(module, str) and module.startswith("keras"):
        what = f"a Keras {class_name} ({module}), not a model"
    else:  # a subclassed model or something else: the worker could not rebuild it without its code
        what = f"a custom class {class_name!r}, not a Keras Sequential or functional model"
    raise InputError(
        f"{name} holds {what}; rebuild it as keras.Sequential or a functional keras.Model, then {SAVE_HINT}"
    )


def _is_keras_model_module(module: Any) -> bool:
    return isinstance(module, str) and (module == "keras" or module.startswith(MODEL_MODULES))


def _refuse_code_in_file(config: dict, name: str) -> None:
    """Refuse what safe mode would refuse: Lambda layers and Python lambdas stored as bytecode."""
    for node, owner in _walk(config):
        if node.get("class_name") == "Lambda":
            raise InputError(
                f"{name} contains a Lambda layer, {_layer_name(node) or 'unnamed'!r}; Keras's safe mode refuses "
                "to load Lambda layers because loading them runs code stored in the file, so rebuild the model "
                "without Lambda (e.g. a custom layer registered with keras.saving.register_keras_serializable) "
                "and save it again"
            )
        if _is_python_lambda(node):
            raise InputError(
                f"{name} stores a Python lambda in layer {owner or 'unnamed'!r}; Keras's safe mode refuses to load "
                "it because loading it runs code stored in the file, so use a named function registered with "
                "keras.saving.register_keras_serializable instead and save the model again"
            )


def _walk(root: dict) -> Iterator[tuple[dict, str | None]]:
    """Every dict in the JSON tree, parents first, with the name of the nearest layer around it.

    Iterative: a hostile config may nest as deep as json.loads allows, beyond Python's recursion limit.
    """
    stack: list[tuple[Any, str | None]] = [(root, None)]
    while stack:
        node, owner = stack.pop()
        if isinstance(node, dict):
            if "class_name" in node:
                owner = _layer_name(node) or owner
            yield node, owner
            children = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        stack.extend((child, owner) for child in reversed(children))


def _is_python_lambda(node: dict) -> bool:
    # Keras serializes a lambda as {"class_name": "__lambda__", ...}, and a lambda given as a layer's
    # activation as {"value": [bytecode, defaults, closure]} (loading that fails outright).
    if node.get("class_name") == "__lambda__":
        return True
    value = node.get("value")
    return set(node) == {"value"} and isinstance(value, list) and bool(value) and isinstance(value[0], str)


def _layer_name(layer: dict) -> str | None:
    """A layer's name: Functional layers carry it at the top, Sequential layers only in config."""
    config = layer.get("config")
    name = layer.get("name") or (config.get("name") if isinstance(config, dict) else None)
    return name if isinstance(name, str) else None


def _layers(model: dict) -> list[dict]:
    config = model.get("config")
    layers = config.get("layers") if isinstance(config, dict) else None
    return [layer for layer in layers if isinstance(layer, dict)] if isinstance(layers, list) else []


def _is_nested_model(layer: dict) -> bool:
    config = layer.get("config")
    return isinstance(config, dict) and isinstance(config.get("layers"), list)


def _top_level_layer_count(model: dict) -> int:
    # Input layers not counted: Keras 3 writes one into a Sequential's config although
    # Sequential.layers leaves it out, while Functional.layers keeps it.
    return sum(layer.get("class_name") != "InputLayer" for layer in _layers(model))


# -- input --------------------------------------------------------------------------------------


def _input_shapes(model: dict, depth: int) -> list[Shape | None] | None:
    """One entry per input (its shape without the batch axis, None if unknown); None if unknown."""
    config = model.get("config")
    if depth > MAX_NESTING or not isinstance(config, dict):
        return None
    if "input_layers" in config:  # functional
        refs = _node_refs(config["input_layers"])
        if refs is None:
            return None
        by_name = {_layer_name(layer): layer for layer in _layers(model)}
        return [_input_layer_shape(by_name.get(ref)) for ref in refs]
    layers = _layers(model)
    if not layers:
        return None
    first = layers[0]
    if first.get("class_name") == "InputLayer":
        return [_input_layer_shape(first)]
    for shape in (_build_shape(model), _shape_without_batch(config.get("build_input_shape"))):
        if shape is not None:
            return [shape]
    return _input_shapes(first, depth + 1) if _is_nested_model(first) else [_input_layer_shape(first)]


def _node_refs(refs: Any) -> list[str] | None:
    """Layer names in input_layers / output_layers: one ["name", 0, 0], a list of them, or a dict of them."""
    if isinstance(refs, dict):
        refs = list(refs.values())
    if not isinstance(refs, list) or not refs:
        return None
    if isinstance(refs[0], str):  # Keras 3 writes a single input or output flat, not as a list of one
        refs = [refs]
    names = [ref[0] if isinstance(ref, list) and ref and isinstance(ref[0], str) else None for ref in refs]
    return None if None in names else names


def _input_layer_shape(layer: dict | None) -> Shape | None:
    """An InputLayer's shape: batch_shape (Keras 3) or batch_input_shape (Keras 2's .keras files)."""
    config = layer.get("config") if layer else None
    if not isinstance(config, dict):
        return None
    return _shape_without_batch(config.get("batch_shape", config.get("batch_input_shape")))


def _build_shape(model: dict) -> Shape | None:
    build = model.get("build_config")
    return _shape_without_batch(build.get("input_shape")) if isinstance(build, dict) else None


def _shape_without_batch(shape: Any) -> Shape | None:
    if not isinstance(shape, list) or not shape:
        return None
    if not all(dim is None or (isinstance(dim, int) and not isinstance(dim, bool)) for dim in shape):
        return None  # a list of shapes (several inputs) or junk
    return tuple(shape[1:])


# -- output -------------------------------------------------------------------------------------


def _output(model: dict, depth: int) -> tuple[int | None, str | None]:
    """The output's units and activation, following nested models and a trailing Activation layer."""
    layer = _output_layer(model)
    if layer is None or depth > MAX_NESTING:
        return None, None
    if _is_nested_model(layer):
        return _output(layer, depth + 1)
    activation = _activation_of(layer)
    for _ in range(MAX_NESTING):  # Dense(..) then Activation("softmax"): units from the Dense
        if layer is None or layer.get("class_name") not in PASS_THROUGH:
            break
        layer = _layer_before(model, layer)
    if layer is not None and _is_nested_model(layer):
        units, inner_activation = _output(layer, depth + 1)
        return units, activation or inner_activation
    config = layer.get("config") if layer else None
    units = config.get("units") if isinstance(config, dict) else None
    return (units if isinstance(units, int) and not isinstance(units, bool) else None), activation


def _output_layer(model: dict) -> dict | None:
    config = model.get("config")
    layers = _layers(model)
    if not isinstance(config, dict) or not layers:
        return None
    if "output_layers" not in config:  # sequential
        return layers[-1]
    refs = _node_refs(config["output_layers"])
    if refs is None or len(refs) != 1:  # several outputs: no single "number of outputs"
        return None
    return next((layer for layer in layers if _layer_name(layer) == refs[0]), None)


def _layer_before(model: dict, layer: dict) -> dict | None:
    """The layer whose output `layer` takes: the previous one in a Sequential, the inbound one otherwise."""
    layers = _layers(model)
    if "output_layers" not in model["config"]:  # _output_layer found a layer, so config is a dict
        index = next((i for i, candidate in enumerate(layers) if candidate is layer), 0)
        return layers[index - 1] if index > 0 else None
    source = _inbound_name(layer)
    return next((candidate for candidate in layers if _layer_name(candidate) == source), None)


def _inbound_name(layer: dict) -> str | None:
    # Keras 3: {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": [name, 0, 0]}}]}
    for node, _ in _walk({"nodes": layer.get("inbound_nodes")}):
        if node.get("class_name") == "__keras_tensor__":
            history = (node.get("config") or {}).get("keras_history")
            if isinstance(history, list) and history and isinstance(history[0], str):
                return history[0]
    return None


def _activation_of(layer: dict) -> str | None:
    """The layer's activation: "softmax" for a Softmax layer, else its config's `activation`.

    `activation` is a name ("softmax"), a registered function ({"class_name": "function",
    "config": "package>name"}) or a serialized object such as a LeakyReLU layer (its class name).
    """
    if layer.get("class_name") == "Softmax":
        return "softmax"
    config = layer.get("config")
    value = config.get("activation") if isinstance(config, dict) else None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        inner = value.get("config")
        if value.get("class_name") == "function" and isinstance(inner, str):
            return inner
        return value.get("class_name") if isinstance(value.get("class_name"), str) else None
    return None
