// The procedural shapes dataset (embedded default): one entry point for its
// vocabulary, renderer, captions and T2IDataset. Each part lives in its own file.
export {
  SHAPES,
  COLORS,
  COLOR_NAMES,
  SIZES,
  EXTENT,
  GRID,
  POSITION_GRID,
  POSITIONS,
  JITTER,
  NUM_CLASSES,
  labelOf,
  colorRgb,
  gridOf,
  randomShapeSpec,
  makeShapeSpec,
  attributesOf,
  type ShapeName,
  type ColorName,
  type SizeName,
  type PositionName,
  type ShapeAttributes,
  type ShapeSpec,
  type RandomShapeOptions,
} from './shapesSpec';
export { renderShape, drawShape, edgeAlpha } from './shapesRender';
export { shapeCaptions, shapeCaption, positionPhrase, captionVocabulary, CAPTION_TEMPLATES, SIZE_SYNONYMS, SHAPE_SYNONYMS } from './shapesCaptions';
export {
  buildShapesDataset,
  generateShapeItems,
  validateHoldout,
  CAPTIONS_PER_ITEM,
  DEFAULT_TEST_FRACTION,
  type ShapesDataset,
  type ShapesDatasetOptions,
  type ShapesSplit,
  type ShapeItem,
  type ShapeSplitName,
} from './shapesDataset';
