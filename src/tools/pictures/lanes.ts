/**
 * Labels in lanes: each label wants to sit at an x; it is kept inside [min, max] and put in
 * the first lane (row) where it overlaps no label already there. The caller turns lane
 * numbers into y positions, so labels never collide however close their anchors are.
 */
import { textWidth } from './measure.js';

export interface LaneLabel {
  readonly text: string;
  /** Where the label's anchor point wants to be. */
  readonly x: number;
  readonly size: number;
  readonly bold?: boolean;
  /** 'start' puts the text right of x, 'end' left of it, 'middle' around it. */
  readonly anchor: 'start' | 'middle' | 'end';
}

export interface Placed {
  readonly label: LaneLabel;
  /** Left edge after clamping, and width, px. */
  readonly left: number;
  readonly w: number;
  readonly lane: number;
}

const GAP = 6;

/** Place `labels` (in the given order) between `min` and `max`. */
export function placeInLanes(labels: readonly LaneLabel[], min: number, max: number): Placed[] {
  const lanes: Array<Array<readonly [number, number]>> = [];
  return labels.map((label) => {
    const w = textWidth(label.text, label.size, label.bold === true);
    const want = label.anchor === 'start' ? label.x : label.anchor === 'end' ? label.x - w : label.x - w / 2;
    const left = Math.max(min, Math.min(want, max - w));
    let lane = lanes.findIndex((l) => l.every(([a, b]) => left + w + GAP <= a || left >= b + GAP));
    if (lane < 0) {
      lane = lanes.length;
      lanes.push([]);
    }
    lanes[lane]!.push([left, left + w]);
    return { label, left, w, lane };
  });
}

/** How many lanes `placed` uses. */
export const laneCount = (placed: readonly Placed[]): number => placed.reduce((n, p) => Math.max(n, p.lane + 1), 0);
