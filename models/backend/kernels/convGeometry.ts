// Flat numbers describing one NHWC 2-D convolution, read by the im2col-style loops.
import { backend_util } from '@tensorflow/tfjs-core';

export interface ConvGeometry {
  batch: number;
  inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kH: number; kW: number;
  strideH: number; strideW: number;
  dilH: number; dilW: number;
  padTop: number; padLeft: number;
}

export function geometryOf(info: backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inH: info.inHeight, inW: info.inWidth, inC: info.inChannels,
    outH: info.outHeight, outW: info.outWidth, outC: info.outChannels,
    kH: info.filterHeight, kW: info.filterWidth,
    strideH: info.strideHeight, strideW: info.strideWidth,
    dilH: info.dilationHeight, dilW: info.dilationWidth,
    padTop: info.padInfo.top, padLeft: info.padInfo.left,
  };
}

type PadAttr = 'valid' | 'same' | number | backend_util.ExplicitPadding;

export function assertChannelsLast(dataFormat: string | undefined, kernelName: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernelName} on wasm supports only NHWC data, got ${dataFormat}`);
  }
}

/**
 * Geometry of a regular (not depthwise) convolution. Dilation is always 1: tfjs' conv2d
 * gradient refuses dilation, and the cpu backend's backprop kernels ignore it too.
 */
export function regularConvGeometry(
  xShape: number[], filterShape: number[], strides: number | [number, number], pad: PadAttr,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
): { geometry: ConvGeometry; info: backend_util.Conv2DInfo } {
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  return { geometry: geometryOf(info), info };
}

export function depthwiseConvGeometry(
  xShape: number[], filterShape: number[], strides: number | [number, number],
  dilations: number | [number, number] | undefined, pad: PadAttr,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
): ConvGeometry {
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    strides, dilations ?? 1, pad, dimRoundingMode, true, 'channelsLast');
  return geometryOf(info);
}
