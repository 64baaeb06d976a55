// Inception-v3 as the feature network of FID/KID/IS, from a local tfjs graph
// model the user converts from the standard FID Inception weights (nothing is
// downloaded). Its pool3 output (2048-d) gives `fid_inception`/`kid_inception`
// and its class output `is_inception`; with the standard weights and enough
// samples these are the papers' metrics (our resizing of small images to the
// model's input is bilinear, which differs slightly from other toolkits').
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModelSync } from '@tensorflow/tfjs-converter';
import { rows } from './labelClassifier';

export const POOL3_DIM = 2048;

/** What to tell a user who has no converted Inception model. */
export const INCEPTION_HOWTO =
  'give --inception DIR (or the config field eval.inceptionPath): a folder with model.json and its weight shards, a tfjs graph model ' +
  'converted from the standard FID Inception-v3 weights, e.g. with Python: `pip install tensorflowjs` and ' +
  '`tensorflowjs_converter --input_format=tf_frozen_model --output_node_names=pool_3,softmax classify_image_graph_def.pb DIR` ' +
  '(the graph of pt_inception-2015-12-05 that TTUR\'s fid.py uses), or --input_format=tf_saved_model for a SavedModel export; ' +
  'its outputs must include the 2048-d pool3 features (and the class logits or softmax, for IS)';

export type InceptionInputRange = '-1,1' | '0,255';

type GraphModel = ReturnType<typeof loadGraphModelSync>;

export interface InceptionModel {
  model: GraphModel;
  dir: string;
  /** Side the images are resized to. */
  inputSize: number;
  inputRange: InceptionInputRange;
  pool3Output: string;
  /** Absent when the model has only pool3 (IS then cannot be computed). */
  classOutput?: string;
}

interface ModelJson {
  format?: string;
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Reads model.json and its shards into the artifacts tfjs-converter takes; errors name the file. */
export function readGraphModelFiles(dir: string): [tf.io.ModelJSON, ArrayBuffer] {
  const jsonFile = path.join(dir, 'model.json');
  if (!fs.existsSync(jsonFile)) throw new Error(`${jsonFile} does not exist; ${INCEPTION_HOWTO}`);
  let json: ModelJson;
  try {
    json = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  } catch (e) {
    throw new Error(`${jsonFile}: not JSON (${(e as Error).message})`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) throw new Error(`${jsonFile}: not a tfjs model (needs modelTopology and weightsManifest)`);
  if (json.format !== undefined && json.format !== 'graph-model') throw new Error(`${jsonFile}: format "${json.format}" is not a tfjs graph model ("graph-model"); convert with tensorflowjs_converter --output_format=tfjs_graph_model`);
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const file = path.join(dir, p);
      try {
        shards.push(fs.readFileSync(file));
      } catch (e) {
        throw new Error(`${jsonFile}: weight shard ${p} cannot be read (${(e as Error).message})`);
      }
    }
  }
  const all = Buffer.concat(shards);
  return [json as unknown as tf.io.ModelJSON, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer];
}

/** Loads a converted Inception (or any image model with a 2048-d output) from `dir`. */
export function loadInception(dir: string, inputRange: InceptionInputRange = '-1,1'): InceptionModel {
  const abs = path.resolve(dir);
  let model: GraphModel;
  try {
    model = loadGraphModelSync(readGraphModelFiles(abs));
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(abs) ? msg : `${path.join(abs, 'model.json')}: cannot load the graph model (${msg})`);
  }
  const shape = model.inputs[0]?.shape ?? [];
  const side = shape[1] && shape[1] > 0 ? shape[1] : 299;
  // Output sizes from one forward pass: converted frozen graphs often declare no output shapes.
  const names = model.outputNodes;
  const sizes = tf.tidy(() => {
    const outs = model.execute(tf.zeros([1, side, side, 3]), names);
    return (Array.isArray(outs) ? outs : [outs]).map((t) => t.size);
  });
  const pool3 = names.find((_, i) => sizes[i] === POOL3_DIM);
  if (!pool3) {
    throw new Error(`${path.join(abs, 'model.json')}: no output with ${POOL3_DIM} features among ${names.map((n, i) => `${n} (${sizes[i]})`).join(', ')}; convert with the pool3 node among --output_node_names`);
  }
  const cls = names.find((n, i) => n !== pool3 && sizes[i] >= 2);
  return { model, dir: abs, inputSize: side, inputRange, pool3Output: pool3, classOutput: cls };
}

/** Rows summing to 1 with no negatives are already probabilities; anything else gets a softmax. */
function asProbabilities(t: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const isProb = tf.min(t).dataSync()[0] >= 0 && tf.max(tf.abs(tf.sub(tf.sum(t, 1), 1))).dataSync()[0] < 1e-3;
    return isProb ? tf.clone(t) : tf.softmax(t);
  });
}

/** pool3 features and class probabilities of RGB byte images, in float64 rows. */
export function inceptionDescribe(inc: InceptionModel, images: Uint8Array[], S: number, batch = 16): { features: Float64Array[]; probs?: Float64Array[] } {
  const features: Float64Array[] = [];
  const probs: Float64Array[] = [];
  const outputs = inc.classOutput ? [inc.pool3Output, inc.classOutput] : [inc.pool3Output];
  for (let start = 0; start < images.length; start += batch) {
    const chunk = images.slice(start, start + batch);
    const [f, p] = tf.tidy(() => {
      const px = new Float32Array(chunk.length * S * S * 3);
      chunk.forEach((im, k) => px.set(im, k * S * S * 3));
      let x: tf.Tensor4D = tf.tensor4d(px, [chunk.length, S, S, 3]);
      if (S !== inc.inputSize) x = tf.image.resizeBilinear(x, [inc.inputSize, inc.inputSize]);
      x = inc.inputRange === '0,255' ? x : (tf.sub(tf.div(x, 127.5), 1) as tf.Tensor4D);
      const out = inc.model.execute(x, outputs) as tf.Tensor[];
      const feat = tf.reshape(out[0], [chunk.length, POOL3_DIM]) as tf.Tensor2D;
      const cls = out[1] ? asProbabilities(tf.reshape(out[1], [chunk.length, -1]) as tf.Tensor2D) : undefined;
      return cls ? [feat, cls] : [feat];
    });
    features.push(...rows(f));
    if (p) probs.push(...rows(p));
    tf.dispose(p ? [f, p] : [f]);
  }
  return { features, probs: inc.classOutput ? probs : undefined };
}
