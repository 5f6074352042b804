#!/usr/bin/env python3
"""Generates the graph dialect's op declarations from the ONNX operator schema.

The inputs, attributes and type constraints of every ONNX operator are data in the
schema that ships with the `onnx` wheel, so the ODS for each graph op is written from it
rather than by hand. What the schema cannot say (shape rules, folds, canonicalizations)
is hand-written C++; the table below only says which ops have which of those hooks.

Outputs (all committed, regenerate after changing the table or the opset):
  GraphOpsGenerated.td   ODS definitions, included by GraphOps.td
  GraphOpTable.inc       the importer's per-op table: ONNX inputs, outputs, attributes
  compiler/import/FunctionBodies.inc
                         the schema's function bodies of the ONNX ops the dialect lacks,
                         which the importer inlines (serialized FunctionProtos)

Usage: python3 dialects/graph/gen_graph_ops.py [--opset 28]
"""
import argparse
import os
import re

import onnx
import onnx.defs
from onnx import helper
from onnx.defs import OpSchema

# ONNX op -> hooks implemented by hand. folder / canonicalizer / verifier.
OPS = {
    # Elementwise unary.
    "Abs": {}, "Ceil": {}, "Cos": {}, "Elu": {}, "Erf": {}, "Exp": {}, "Floor": {},
    "Gelu": {}, "HardSigmoid": {}, "HardSwish": {}, "IsNaN": {}, "LeakyRelu": {},
    "Log": {}, "Neg": {"folder": True}, "Not": {}, "Reciprocal": {}, "Relu": {},
    "Round": {}, "Selu": {}, "Sigmoid": {}, "Sign": {}, "Sin": {}, "Softplus": {},
    "Softsign": {}, "Sqrt": {"folder": True}, "Tanh": {},
    "Acos": {}, "Acosh": {}, "Asin": {}, "Asinh": {}, "Atan": {}, "Atanh": {},
    "Cosh": {}, "Sinh": {}, "Tan": {}, "IsInf": {}, "BitwiseNot": {},
    "Clip": {}, "Cast": {"folder": True},
    "Identity": {"folder": True}, "Dropout": {"canonicalizer": True},
    # Elementwise with broadcasting.
    "Add": {"folder": True}, "Sub": {"folder": True}, "Mul": {"folder": True},
    "Div": {"folder": True}, "Pow": {}, "PRelu": {}, "Mod": {},
    "Equal": {"folder": True}, "Less": {"folder": True}, "Greater": {"folder": True},
    "LessOrEqual": {}, "GreaterOrEqual": {}, "And": {}, "Or": {}, "Xor": {},
    "Sum": {"folder": True}, "Max": {}, "Min": {}, "Mean": {}, "Where": {"folder": True},
    "BitShift": {"verifier": True}, "BitwiseAnd": {}, "BitwiseOr": {}, "BitwiseXor": {},
    # Neural network.
    "Conv": {"verifier": True}, "ConvTranspose": {"verifier": True},
    "BatchNormalization": {"verifier": True}, "InstanceNormalization": {},
    "LayerNormalization": {}, "LRN": {"verifier": True},
    "MaxPool": {"verifier": True}, "AveragePool": {},
    "GlobalAveragePool": {}, "GlobalMaxPool": {}, "LpPool": {}, "GlobalLpPool": {},
    "LpNormalization": {},
    # Composite operators, expanded into the ops above by graph-expand-composites.
    "Attention": {"verifier": True}, "RotaryEmbedding": {}, "RMSNormalization": {},
    "GroupNormalization": {}, "NegativeLogLikelihoodLoss": {"verifier": True},
    # Quantization.
    "QuantizeLinear": {}, "DequantizeLinear": {},
    "BitCast": {},
    "Gemm": {}, "MatMul": {}, "Softmax": {}, "LogSoftmax": {},
    # Shapes and data movement.
    "Reshape": {"folder": True, "canonicalizer": True},
    "Transpose": {"folder": True, "canonicalizer": True, "verifier": True},
    "Concat": {"folder": True}, "Split": {"verifier": True},
    "Slice": {"folder": True}, "Gather": {"folder": True},
    "Squeeze": {"folder": True, "canonicalizer": True},
    "Unsqueeze": {"folder": True, "canonicalizer": True},
    "Flatten": {"folder": True}, "Constant": {"folder": True},
    "ConstantOfShape": {"folder": True}, "Shape": {"folder": True},
    "Size": {"folder": True}, "Expand": {"folder": True}, "Tile": {},
    "Range": {"folder": True}, "Pad": {"verifier": True}, "Resize": {"verifier": True},
    "GridSample": {"verifier": True},
    # Recurrences, lowered to a loop over time.
    "RNN": {"verifier": True}, "GRU": {"verifier": True}, "LSTM": {"verifier": True},
    "LinearAttention": {"verifier": True},
    "DFT": {"verifier": True}, "Col2Im": {"verifier": True}, "NonMaxSuppression": {},
    "ArgMax": {}, "ArgMin": {}, "Trilu": {}, "CumSum": {}, "CumProd": {},
    # Indexing: gathers, scatters, selections.
    "GatherElements": {}, "GatherND": {}, "ScatterElements": {"verifier": True},
    "ScatterND": {"verifier": True}, "OneHot": {}, "TopK": {}, "Hardmax": {},
    "EyeLike": {}, "NonZero": {}, "Compress": {}, "DepthToSpace": {"verifier": True},
    "SpaceToDepth": {"verifier": True}, "ReverseSequence": {}, "Einsum": {"verifier": True},
    # Reductions.
    "ReduceMean": {}, "ReduceSum": {}, "ReduceMax": {}, "ReduceMin": {},
    "ReduceProd": {}, "ReduceL2": {}, "ReduceSumSquare": {},
}

# Spellings the snake-case rule would get wrong.
MLIR_NAMES = {"MatMul": "matmul", "PRelu": "prelu", "LRN": "lrn", "IsNaN": "is_nan",
              "RMSNormalization": "rms_normalization"}

# Constant carries one tensor value; the importer turns value_float, value_ints, ... into it.
ATTRIBUTE_OVERRIDES = {"Constant": {"value": ("TENSOR", True, None)}}

# Outputs only training uses; the importer names the node when a model asks for one.
TRAINING_OUTPUTS = {"BatchNormalization": 1, "Dropout": 1, "MaxPool": 1}

ELEMENT_TYPES = {
    "float": "F32", "double": "F64", "float16": "F16", "bfloat16": "BF16",
    "int8": "I8", "int16": "I16", "int32": "I32", "int64": "I64", "int4": "Graph_I4",
    "int2": "Graph_I2",
    "uint8": "UI8", "uint16": "UI16", "uint32": "UI32", "uint64": "UI64", "uint4": "Graph_UI4",
    "uint2": "Graph_UI2",
    "bool": "I1",
    "float8e4m3fn": "F8E4M3FN", "float8e4m3fnuz": "F8E4M3FNUZ",
    "float8e5m2": "F8E5M2", "float8e5m2fnuz": "F8E5M2FNUZ",
}

ATTR_KINDS = {
    OpSchema.AttrType.INT: "INT", OpSchema.AttrType.FLOAT: "FLOAT",
    OpSchema.AttrType.STRING: "STRING", OpSchema.AttrType.INTS: "INTS",
    OpSchema.AttrType.FLOATS: "FLOATS", OpSchema.AttrType.STRINGS: "STRINGS",
    OpSchema.AttrType.TENSOR: "TENSOR",
}
ODS_ATTRS = {
    "INT": "I64Attr", "FLOAT": "F32Attr", "STRING": "StrAttr",
    "INTS": "DenseI64ArrayAttr", "FLOATS": "DenseF32ArrayAttr",
    "STRINGS": "StrArrayAttr", "TENSOR": "ElementsAttr",
}


def snake(name):
    if name in MLIR_NAMES:
        return MLIR_NAMES[name]
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


def element_types(schema, type_str):
    """ODS element type list for an input or output's type string."""
    if type_str.startswith("tensor("):
        allowed = [type_str]
    else:
        allowed = next(c.allowed_type_strs for c in schema.type_constraints
                       if c.type_param_str == type_str)
    out = []
    for t in allowed:
        m = re.fullmatch(r"tensor\((\w+)\)", t)
        if m and m.group(1) in ELEMENT_TYPES:
            out.append(ELEMENT_TYPES[m.group(1)])
    return out


def default_literal(kind, value):
    if kind == "INT":
        return '"%d"' % value
    if kind == "FLOAT":
        return '"%r"' % float(value)
    if kind == "STRING":
        return '"\\"%s\\""' % value.decode() if isinstance(value, bytes) else '"\\"%s\\""' % value
    if kind == "INTS":
        return '"{%s}"' % ", ".join(str(v) for v in value)
    if kind == "FLOATS":
        return '"{%s}"' % ", ".join(repr(float(v)) for v in value)
    return None


def attributes(op, schema):
    if op in ATTRIBUTE_OVERRIDES:
        return ATTRIBUTE_OVERRIDES[op]
    out = {}
    for name, attr in sorted(schema.attributes.items()):
        kind = ATTR_KINDS.get(attr.type)
        if kind is None:
            continue
        default = None
        if attr.default_value.name:
            default = helper.get_attribute_value(attr.default_value)
        out[name] = (kind, attr.required, default)
    return out


def ods_value(schema, param, is_result):
    types = element_types(schema, param.type_str)
    cons = "Graph_Tensor<[%s]>" % ", ".join(types)
    if param.option == OpSchema.FormalParameterOption.Optional:
        cons = "Optional<%s>" % cons
    elif param.option == OpSchema.FormalParameterOption.Variadic:
        cons = "Variadic<%s>" % cons
    return "%s:$%s" % (cons, param.name)


def assembly_format(schema):
    """`$A, $B name($opt^) attr-dict : functional-type(operands, results)`."""
    parts = []
    for p in schema.inputs:
        if p.option == OpSchema.FormalParameterOption.Optional:
            parts.append("(`%s` `(` $%s^ `)`)?" % (p.name, p.name))
        else:
            if parts and not parts[-1].startswith("("):
                parts.append("`,`")
            parts.append("$%s" % p.name)
    parts += ["attr-dict", "`:`", "functional-type(operands, results)"]
    return "[{\n    " + " ".join(parts) + "\n  }]"


def indent_doc(doc):
    doc = (doc or "").strip().replace("[{", "[ {").replace("}]", "} ]")
    return "\n".join("    " + line if line else "" for line in doc.splitlines())


def generate(opset):
    td, table = [], []
    for op in sorted(OPS):
        hooks = OPS[op]
        schema = onnx.defs.get_schema(op, opset, "")
        name = snake(op)
        attrs = attributes(op, schema)
        single = lambda p: p.option == OpSchema.FormalParameterOption.Single
        n_not_single_in = sum(not single(p) for p in schema.inputs)
        outputs = list(schema.outputs)[:TRAINING_OUTPUTS.get(op, len(schema.outputs))]

        traits = ["Pure", "InferTypeOpAdaptor"] + (["ConstantLike"] if op == "Constant" else [])
        # ONNX ties inputs and outputs that share a type parameter to one element type.
        by_param = {}
        for p in list(schema.inputs) + outputs:
            if single(p) and not p.type_str.startswith("tensor("):
                by_param.setdefault(p.type_str, []).append(p.name)
        for group in by_param.values():
            if len(group) > 1:
                traits.append("AllElementTypesMatch<[%s]>" % ", ".join('"%s"' % g for g in group))
        if n_not_single_in > 1:
            traits.append("AttrSizedOperandSegments")
        optional_out = [p for p in outputs if not single(p)]
        if len(optional_out) > 1:
            traits.append("AttrSizedResultSegments")

        args = [ods_value(schema, p, False) for p in schema.inputs]
        for aname, (kind, required, default) in attrs.items():
            base = ODS_ATTRS[kind]
            if required:
                args.append("%s:$%s" % (base, aname))
            elif default is not None and default_literal(kind, default) is not None:
                args.append("DefaultValuedAttr<%s, %s>:$%s" % (base, default_literal(kind, default), aname))
            else:
                args.append("OptionalAttr<%s>:$%s" % (base, aname))
        results = [ods_value(schema, p, True) for p in outputs]

        td.append("def Graph_%sOp : Graph_Op<\"%s\", [%s]> {" % (op, name, ", ".join(traits)))
        td.append("  let summary = \"ONNX %s (opset %d)\";" % (op, schema.since_version))
        td.append("  let description = [{\n%s\n  }];" % indent_doc(schema.doc))
        td.append("  let arguments = (ins\n    %s\n  );" % ",\n    ".join(args) if args else "  let arguments = (ins);")
        td.append("  let results = (outs\n    %s\n  );" % ",\n    ".join(results))
        if len(optional_out) <= 1:
            # Which of several optional results are present cannot be read off
            # a custom syntax (MLIR 19's prop-dict does not restore result
            # segment sizes): those ops keep the generic form.
            td.append("  let assemblyFormat = %s;" % assembly_format(schema))
        for hook, field in (("folder", "hasFolder"), ("canonicalizer", "hasCanonicalizer"),
                            ("verifier", "hasVerifier")):
            if hooks.get(hook):
                td.append("  let %s = 1;" % field)
        td.append("}\n")

        kind_of = {OpSchema.FormalParameterOption.Single: "Single",
                   OpSchema.FormalParameterOption.Optional: "Optional",
                   OpSchema.FormalParameterOption.Variadic: "Variadic"}
        ins = ", ".join('{"%s", ParamKind::%s}' % (p.name, kind_of[p.option]) for p in schema.inputs)
        outs = ", ".join('{"%s", ParamKind::%s}' % (p.name, kind_of[p.option]) for p in outputs)
        ats = ", ".join('{"%s", AttrKind::%s, %s}' % (a, k, "true" if req else "false")
                        for a, (k, req, _) in attrs.items())
        table.append('OP("%s", "graph.%s", %d, {%s}, {%s}, {%s})' %
                     (op, name, schema.since_version, ins, outs, ats))

    header = "// Generated by dialects/graph/gen_graph_ops.py from the ONNX %s schema at opset %d.\n" \
             "// Do not edit: change the script and regenerate.\n\n" % (onnx.__version__, opset)
    return header + "\n".join(td), header + "\n".join(table) + "\n"


def function_bodies(opset):
    """`FUNCTION("Op", since, size, "body", size, "defaults")` for every default-domain op
    the dialect lacks whose schema at `opset` defines a function body."""
    lines = []
    for schema in sorted(onnx.defs.get_all_schemas_with_history(), key=lambda s: s.name):
        if schema.domain != "" or schema.name in OPS or not schema.has_function:
            continue
        latest = onnx.defs.get_schema(schema.name, opset, "")
        if latest.since_version != schema.since_version:
            continue
        # The attribute defaults travel as a NodeProto's attributes (the ONNX
        # 1.12 protobuf the importer links has no FunctionProto.attribute_proto).
        defaults = onnx.NodeProto()
        for name, attr in sorted(schema.attributes.items()):
            if attr.default_value is not None and attr.default_value.type:
                value = defaults.attribute.add()
                value.CopyFrom(attr.default_value)
                value.name = name

        def literal(data):
            text = "".join("\\%03o" % byte for byte in data)
            return "\n    ".join('"%s"' % text[i:i + 96] for i in range(0, len(text), 96)) or '""'

        body = schema.function_body.SerializeToString()
        default_bytes = defaults.SerializeToString()
        lines.append('FUNCTION("%s", %d, %d,\n    %s,\n    %d,\n    %s)' % (
            schema.name, schema.since_version, len(body), literal(body), len(default_bytes),
            literal(default_bytes)))
    header = "// Generated by dialects/graph/gen_graph_ops.py from the ONNX %s schema at opset %d.\n" \
             "// Do not edit: change the script and regenerate.\n\n" % (onnx.__version__, opset)
    return header + "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opset", type=int, default=28)
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    td, table = generate(args.opset)
    with open(os.path.join(here, "GraphOpsGenerated.td"), "w") as f:
        f.write(td)
    with open(os.path.join(here, "GraphOpTable.inc"), "w") as f:
        f.write(table)
    with open(os.path.join(here, "..", "..", "compiler", "import", "FunctionBodies.inc"), "w") as f:
        f.write(function_bodies(args.opset))
    print("wrote %d ops at opset %d" % (len(OPS), args.opset))


if __name__ == "__main__":
    main()
