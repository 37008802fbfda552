/*
 * Search coverage, re-exported from the files of its parts: the local metric frame, the raster of
 * one sector, and the tracker over many sectors.
 */
export { localMetricFrame, type LocalMetricFrame } from './local-frame.ts';
export { SectorCoverageGrid, type CoverageGridOptions } from './coverage-grid.ts';
export {
  computeCoverage,
  CoverageTracker,
  type CoverageFix,
  type CoverageSectorDef,
  type CoverageTrackerOptions,
  type UnitKey,
} from './coverage-tracker.ts';
