/**
 * A small builder for ONNX graphs (opset 17, IR version 8) on top of the onnx-proto schema.
 * Used to write the built-in n-gram decoder and the tiny transformer the KV-cache tests run.
 */
import { onnx } from "onnx-proto";

export type ElementType = "float32" | "float16" | "int64" | "int32" | "int16" | "uint16" | "int8" | "uint8" | "bool";
/** A dimension: a fixed size or a symbolic name such as "batch_size". */
export type Dim = number | string;

export type TensorData = Float32Array | BigInt64Array | Int32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

export type AttributeValue =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly string: string }
  | {
      readonly tensor: {
        readonly type: ElementType;
        readonly dims: readonly number[];
        readonly data: TensorData;
      };
    };

export interface ModelOptions {
  /** Default opset 17 (LayerNormalization, ScatterElements with reduction). */
  readonly opset?: number;
  readonly producerName?: string;
  readonly docString?: string;
  /** Free-form key/value metadata stored in the model. */
  readonly metadata?: Readonly<Record<string, string>>;
}

const ELEMENT_TYPE: Record<ElementType, onnx.TensorProto.DataType> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  int16: onnx.TensorProto.DataType.INT16,
  uint16: onnx.TensorProto.DataType.UINT16,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** The ONNX element type code of an element type name (for Cast's `to`). */
export function onnxElementType(type: ElementType): number {
  return ELEMENT_TYPE[type];
}

function tensorProto(name: string, type: ElementType, dims: readonly number[], data: TensorData): onnx.ITensorProto {
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new Error(`tensor ${name}: ${data.length} values for dims [${dims.join(", ")}] (${count} expected)`);
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return {
    name,
    dataType: ELEMENT_TYPE[type],
    dims: [...dims],
    rawData: new Uint8Array(bytes),
  };
}

function valueInfo(name: string, type: ElementType, dims: readonly Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPE[type],
        shape: {
          dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

function attributeProto(name: string, value: AttributeValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ("int" in value) return { name, type: T.INT, i: value.int };
  if ("float" in value) return { name, type: T.FLOAT, f: value.float };
  if ("ints" in value) return { name, type: T.INTS, ints: [...value.ints] };
  if ("floats" in value) return { name, type: T.FLOATS, floats: [...value.floats] };
  if ("string" in value) return { name, type: T.STRING, s: new TextEncoder().encode(value.string) };
  return {
    name,
    type: T.TENSOR,
    t: tensorProto("", value.tensor.type, value.tensor.dims, value.tensor.data),
  };
}

/**
 * Collects inputs, initializers, nodes and outputs, then encodes an ONNX ModelProto.
 * Every node helper returns the name of its (first) output, so graphs read as expressions.
 */
export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh value name with the given prefix. */
  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`value name ${name} is already used`);
    this.names.add(name);
    return name;
  }

  input(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), type, dims));
    return name;
  }

  /** Declares a graph output; `name` must be produced by a node (pass it as that node's output name). */
  output(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.outputs.push(valueInfo(name, type, dims));
    return name;
  }

  initializer(prefix: string, type: ElementType, dims: readonly number[], data: TensorData): string {
    const name = this.fresh(prefix);
    this.initializers.push(tensorProto(name, type, dims, data));
    return name;
  }

  /** A float32 constant (scalar when dims is []). */
  float(values: number | readonly number[], dims?: readonly number[]): string {
    const arr = typeof values === "number" ? [values] : values;
    return this.initializer(
      "c",
      "float32",
      dims ?? (typeof values === "number" ? [] : [arr.length]),
      Float32Array.from(arr),
    );
  }

  /** An int64 constant (scalar when dims is []). */
  int64(values: number | readonly number[], dims?: readonly number[]): string {
    const arr = typeof values === "number" ? [values] : values;
    return this.initializer(
      "c",
      "int64",
      dims ?? (typeof values === "number" ? [] : [arr.length]),
      BigInt64Array.from(arr, (v) => BigInt(v)),
    );
  }

  /**
   * Adds a node. `outputs` is a count of fresh outputs or explicit output names.
   * Returns the output names.
   */
  nodeN(
    op: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, AttributeValue>> = {},
    outputs: number | readonly string[] = 1,
  ): string[] {
    const outs =
      typeof outputs === "number"
        ? Array.from({ length: outputs }, () => this.fresh(op.toLowerCase()))
        : outputs.map((o) => this.claim(o));
    this.nodes.push({
      opType: op,
      name: this.fresh(`node_${op}`),
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attributes).map(([k, v]) => attributeProto(k, v)),
    });
    return outs;
  }

  /** Adds a single-output node and returns its output name (`out` names it explicitly). */
  node(
    op: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, AttributeValue>> = {},
    out?: string,
  ): string {
    const [o] = this.nodeN(op, inputs, attributes, out === undefined ? 1 : [out]);
    return o as string;
  }

  add(a: string, b: string, out?: string): string {
    return this.node("Add", [a, b], {}, out);
  }
  sub(a: string, b: string, out?: string): string {
    return this.node("Sub", [a, b], {}, out);
  }
  mul(a: string, b: string, out?: string): string {
    return this.node("Mul", [a, b], {}, out);
  }
  matMul(a: string, b: string, out?: string): string {
    return this.node("MatMul", [a, b], {}, out);
  }
  gather(data: string, indices: string, axis = 0, out?: string): string {
    return this.node("Gather", [data, indices], { axis: { int: axis } }, out);
  }
  cast(x: string, to: ElementType, out?: string): string {
    return this.node("Cast", [x], { to: { int: ELEMENT_TYPE[to] } }, out);
  }
  concat(inputs: readonly string[], axis: number, out?: string): string {
    return this.node("Concat", inputs, { axis: { int: axis } }, out);
  }
  reshape(x: string, shape: string, out?: string): string {
    return this.node("Reshape", [x, shape], {}, out);
  }
  transpose(x: string, perm: readonly number[], out?: string): string {
    return this.node("Transpose", [x], { perm: { ints: perm } }, out);
  }
  unsqueeze(x: string, axes: readonly number[], out?: string): string {
    return this.node("Unsqueeze", [x, this.int64(axes)], {}, out);
  }
  squeeze(x: string, axes: readonly number[], out?: string): string {
    return this.node("Squeeze", [x, this.int64(axes)], {}, out);
  }
  softmax(x: string, axis = -1, out?: string): string {
    return this.node("Softmax", [x], { axis: { int: axis } }, out);
  }
  /** Slice along `axes` with start/end given as tensor names (1-D int64). */
  slice(x: string, starts: string, ends: string, axes: readonly number[], out?: string): string {
    return this.node("Slice", [x, starts, ends, this.int64(axes)], {}, out);
  }
  /** Dimension `axis` of x's shape as a 1-D int64 tensor of length 1. */
  dim(x: string, axis: number): string {
    return this.node("Shape", [x], {
      start: { int: axis },
      end: { int: axis + 1 },
    });
  }
  layerNorm(x: string, scale: string, bias: string, epsilon = 1e-5, out?: string): string {
    return this.node("LayerNormalization", [x, scale, bias], { axis: { int: -1 }, epsilon: { float: epsilon } }, out);
  }

  toModel(options: ModelOptions = {}): onnx.ModelProto {
    const graph: onnx.IGraphProto = {
      name: this.name,
      node: this.nodes,
      input: this.inputs,
      output: this.outputs,
      initializer: this.initializers,
    };
    return onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: "", version: options.opset ?? 17 }],
      producerName: options.producerName ?? "noosphere",
      docString: options.docString ?? "",
      graph,
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    });
  }

  /** The serialized ModelProto. */
  encode(options: ModelOptions = {}): Uint8Array {
    return onnx.ModelProto.encode(this.toModel(options)).finish();
  }
}
