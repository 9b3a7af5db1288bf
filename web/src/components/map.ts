/** A region drawn on RegionMap: its GeoJSON boundary; 'focus' is drawn stronger than 'context'. */
export interface MapArea {
  code: string;
  name: string;
  boundary: unknown;
  kind?: 'focus' | 'context';
}

export interface MapMarker {
  id: string;
  lon: number;
  lat: number;
  label?: string;
  tone?: 'danger' | 'warning' | 'success' | 'info' | 'muted';
}
