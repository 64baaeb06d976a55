// Turns a method's attention maps into the AttentionExport JSON written beside
// each sample grid: per cell, its real words and one map per word and stage.
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionExport } from '../../protocol/events';
import type { Vocabulary } from '../text/vocabulary';

export function buildAttentionExport(
  step: number,
  ids: tf.Tensor2D,
  stages: { name: string; weights: tf.Tensor4D }[],
  vocab: Vocabulary,
): AttentionExport {
  const idRows = ids.arraySync() as number[][];
  const lengths = idRows.map((row) => {
    const end = row.indexOf(0);
    return end < 0 ? row.length : end;
  });
  const words = idRows.map((row, i) => row.slice(0, lengths[i]).map((id) => vocab.words[id] ?? '?'));
  return {
    step,
    words,
    stages: stages.map(({ name, weights }) => {
      const [n, , h, w] = weights.shape;
      const data = weights.dataSync();
      const per = h * w;
      const T = weights.shape[1];
      const maps: number[][][] = [];
      for (let i = 0; i < n; i++) {
        const cell: number[][] = [];
        for (let t = 0; t < lengths[i]; t++) {
          const off = (i * T + t) * per;
          cell.push(Array.from(data.subarray(off, off + per), (v) => Math.round(v * 1000) / 1000));
        }
        maps.push(cell);
      }
      return { name, size: h, maps };
    }),
  };
}
