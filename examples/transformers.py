#!/usr/bin/env python3
"""Transformer-shaped ONNX models built with the onnx helpers.

  mlp            Gemm/MatMul + bias + ReLU layers
  bert           a BERT-style encoder stack: token + position embeddings,
                 LayerNorm, multi-head self-attention with a padding mask,
                 GELU (Erf form, as exporters write it) feed-forward
  gpt2           a GPT-2-style decoder block: LayerNorm first, causal
                 self-attention (Trilu mask + Where), GELU (tanh form)

Batch and sequence are symbolic (`batch`, `sequence`), so one compiled
artifact serves any of them. Weights are random with a fixed seed.

  python3 examples/transformers.py bert -o bert.onnx --layers 12 --width 768 --heads 12
"""
import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


class Builder:
    """Accumulates nodes and initializers with unique names."""

    def __init__(self, seed):
        self.nodes, self.inits, self.count = [], [], 0
        self.rng = np.random.default_rng(seed)

    def name(self, hint):
        self.count += 1
        return "%s_%d" % (hint, self.count)

    def weight(self, hint, shape, scale=None):
        fan_in = shape[0] if len(shape) > 1 else 1
        scale = scale if scale is not None else 1.0 / np.sqrt(fan_in)
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(
            (self.rng.standard_normal(shape) * scale).astype(np.float32), name))
        return name

    def const(self, hint, array):
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, hint=None, **attrs):
        out = self.name(hint or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def linear(self, x, width_in, width_out, hint):
        y = self.op("MatMul", [x, self.weight(hint + "_w", [width_in, width_out])])
        return self.op("Add", [y, self.weight(hint + "_b", [width_out], scale=0.02)])

    def layer_norm(self, x, width, hint):
        scale = self.const(hint + "_gamma", (1 + 0.1 * self.rng.standard_normal(width)).astype(np.float32))
        bias = self.const(hint + "_beta", (0.1 * self.rng.standard_normal(width)).astype(np.float32))
        return self.op("LayerNormalization", [x, scale, bias], axis=-1, epsilon=1e-5)

    def gelu_erf(self, x):
        # 0.5 * x * (1 + erf(x / sqrt(2))), the form exporters emit.
        scaled = self.op("Div", [x, self.const("sqrt2", np.array(np.sqrt(2.0), np.float32))])
        erf = self.op("Erf", [scaled])
        one_plus = self.op("Add", [erf, self.const("one", np.array(1.0, np.float32))])
        half_x = self.op("Mul", [x, self.const("half", np.array(0.5, np.float32))])
        return self.op("Mul", [half_x, one_plus])

    def attention(self, x, width, heads, mask_add, hint):
        """Multi-head self-attention on x [B, S, W]; mask_add broadcasts to [B, H, S, S]."""
        head = width // heads
        split = self.const("heads_shape", np.array([0, 0, heads, head], np.int64))
        def project(kind):
            y = self.linear(x, width, width, hint + "_" + kind)
            y = self.op("Reshape", [y, split])
            return self.op("Transpose", [y], perm=[0, 2, 1, 3])  # [B, H, S, D]
        q, k, v = project("q"), project("k"), project("v")
        kt = self.op("Transpose", [k], perm=[0, 1, 3, 2])
        scores = self.op("MatMul", [q, kt])
        scores = self.op("Div", [scores, self.const("scale", np.array(np.sqrt(head), np.float32))])
        scores = self.op("Add", [scores, mask_add])
        probs = self.op("Softmax", [scores], axis=-1)
        ctx = self.op("MatMul", [probs, v])
        ctx = self.op("Transpose", [ctx], perm=[0, 2, 1, 3])
        ctx = self.op("Reshape", [ctx, self.const("merge_shape", np.array([0, 0, width], np.int64))])
        return self.linear(ctx, width, width, hint + "_o")


def mlp(widths=(64, 128, 128, 10), seed=0):
    b = Builder(seed)
    x = "x"
    for i, (w_in, w_out) in enumerate(zip(widths[:-1], widths[1:])):
        x = b.linear(x, w_in, w_out, "fc%d" % i)
        if i < len(widths) - 2:
            x = b.op("Relu", [x])
    b.nodes.append(helper.make_node("Identity", [x], ["y"]))
    graph = helper.make_graph(
        b.nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", widths[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", widths[-1]])], b.inits)
    return _model(graph)


def bert(layers=2, width=64, heads=4, ffn=None, vocab=100, max_positions=64, seed=0):
    ffn = ffn or 4 * width
    b = Builder(seed)
    # Embeddings: token + position, then LayerNorm.
    tokens = b.op("Gather", [b.weight("token_embedding", [vocab, width], 0.5), "input_ids"])
    positions = b.op("Range", [b.const("zero", np.array(0, np.int64)),
                               b.op("Squeeze", [b.op("Slice", [b.op("Shape", ["input_ids"]),
                                                                b.const("s1", np.array([1], np.int64)),
                                                                b.const("s2", np.array([2], np.int64))]),
                                                b.const("ax0", np.array([0], np.int64))]),
                               b.const("step", np.array(1, np.int64))])
    pos = b.op("Gather", [b.weight("position_embedding", [max_positions, width], 0.5), positions])
    x = b.layer_norm(b.op("Add", [tokens, pos]), width, "embed_ln")
    # Padding mask [B, S] of 1/0 -> additive [B, 1, 1, S] of 0 / -10000.
    mask = b.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    mask = b.op("Unsqueeze", [mask, b.const("mask_axes", np.array([1, 2], np.int64))])
    mask = b.op("Mul", [b.op("Sub", [b.const("one_f", np.array(1.0, np.float32)), mask]),
                        b.const("neg", np.array(-10000.0, np.float32))])
    for layer in range(layers):
        h = "l%d" % layer
        attn = b.attention(x, width, heads, mask, h + "_attn")
        x = b.layer_norm(b.op("Add", [x, attn]), width, h + "_ln1")
        ff = b.gelu_erf(b.linear(x, width, ffn, h + "_ff1"))
        ff = b.linear(ff, ffn, width, h + "_ff2")
        x = b.layer_norm(b.op("Add", [x, ff]), width, h + "_ln2")
    b.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    graph = helper.make_graph(
        b.nodes, "bert",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", width])],
        b.inits)
    return _model(graph)


def gpt2(width=64, heads=4, seed=0):
    b = Builder(seed)
    x = "hidden_states"
    # Causal mask from the sequence length: ones[S, S] -> lower triangle -> additive.
    seq = b.op("Slice", [b.op("Shape", [x]), b.const("s1", np.array([1], np.int64)),
                         b.const("s2", np.array([2], np.int64))])
    square = b.op("Concat", [seq, seq], axis=0)
    ones = b.op("ConstantOfShape", [square], value=numpy_helper.from_array(np.array([1.0], np.float32)))
    lower = b.op("Trilu", [ones], upper=0)
    allowed = b.op("Equal", [lower, b.const("one_f", np.array(1.0, np.float32))])
    mask = b.op("Where", [allowed, b.const("zero_f", np.array(0.0, np.float32)),
                          b.const("neg_f", np.array(-1e4, np.float32))])
    h = b.layer_norm(x, width, "ln1")
    x = b.op("Add", [x, b.attention(h, width, heads, mask, "attn")])
    h = b.layer_norm(x, width, "ln2")
    ff = _gelu_tanh(b, b.linear(h, width, 4 * width, "fc"))
    x = b.op("Add", [x, b.linear(ff, 4 * width, width, "proj")])
    b.nodes.append(helper.make_node("Identity", [x], ["output"]))
    graph = helper.make_graph(
        b.nodes, "gpt2_block",
        [helper.make_tensor_value_info("hidden_states", TensorProto.FLOAT, ["batch", "sequence", width])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", "sequence", width])],
        b.inits)
    return _model(graph)


def _gelu_tanh(b, x):
    """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as GPT-2 exports write it."""
    cube = b.op("Pow", [x, b.const("three", np.array(3.0, np.float32))])
    inner = b.op("Add", [x, b.op("Mul", [cube, b.const("c", np.array(0.044715, np.float32))])])
    inner = b.op("Mul", [inner, b.const("k", np.array(np.sqrt(2 / np.pi), np.float32))])
    t = b.op("Add", [b.op("Tanh", [inner]), b.const("one", np.array(1.0, np.float32))])
    return b.op("Mul", [b.op("Mul", [x, b.const("half", np.array(0.5, np.float32))]), t])


def _model(graph):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="ingot-examples")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["mlp", "bert", "gpt2"])
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--heads", type=int, default=4)
    args = parser.parse_args()
    if args.kind == "mlp":
        model = mlp()
    elif args.kind == "bert":
        model = bert(layers=args.layers, width=args.width, heads=args.heads)
    else:
        model = gpt2(width=args.width, heads=args.heads)
    onnx.save(model, args.output)


if __name__ == "__main__":
    main()
