/**
 * The parts of a Grafana dashboard JSON (deploy/grafana/dashboards/) that the picture draws: panel
 * types, grid positions, units, thresholds, value mappings, legend formats and queries.
 */
export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat?: string;
}

export interface ThresholdStep {
  readonly color: string;
  readonly value: number | null;
}

/** `{ type: 'value', options: { '0': { text: 'closed', color: 'green' } } }` */
export interface ValueMapping {
  readonly type: string;
  readonly options: Readonly<Record<string, { readonly text?: string; readonly color?: string }>>;
}

export interface FieldOverride {
  readonly matcher: { readonly id: string; readonly options: string };
  readonly properties: ReadonlyArray<{ readonly id: string; readonly value: unknown }>;
}

export interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly description?: string;
  readonly gridPos: GridPos;
  readonly targets?: readonly Target[];
  readonly fieldConfig?: {
    readonly defaults?: {
      readonly unit?: string;
      readonly decimals?: number;
      readonly min?: number;
      readonly max?: number;
      readonly thresholds?: { readonly steps: readonly ThresholdStep[] };
      readonly mappings?: readonly ValueMapping[];
    };
    readonly overrides?: readonly FieldOverride[];
  };
}

export interface Dashboard {
  readonly title: string;
  readonly panels: readonly Panel[];
}
