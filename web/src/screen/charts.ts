import { BarChart, LineChart, LinesChart, MapChart, PieChart, ScatterChart } from 'echarts/charts';
import { GeoComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { type ECharts, type EChartsCoreOption, init, use } from 'echarts/core';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';
import { onBeforeUnmount, onMounted, type Ref, shallowRef, watch } from 'vue';

/**
 * Only the parts of ECharts the screen draws (tree-shaken: no Baidu map, no internet needed). The map
 * is drawn as SVG: its names are then text in the page, which the browser test reads back.
 */
use([BarChart, LineChart, LinesChart, MapChart, PieChart, ScatterChart, GeoComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, CanvasRenderer, SVGRenderer]);

export { registerMap } from 'echarts/core';
export type { ECharts, EChartsCoreOption };

/** The screen's palette, shared by the charts and the CSS (screen.css). */
export const palette = {
  text: '#cfe8ff',
  muted: '#7fa3c8',
  line: 'rgba(64, 158, 255, 0.18)',
  cyan: '#00e5ff',
  blue: '#2f8cff',
  green: '#2cf0a0',
  amber: '#ffc53d',
  red: '#ff5a5f',
  grey: '#6b7a90',
  series: ['#00e5ff', '#2f8cff', '#2cf0a0', '#ffc53d', '#ff7a45', '#b37feb', '#36cfc9', '#f759ab'],
};

export const tooltipStyle = {
  backgroundColor: 'rgba(6, 24, 56, 0.92)',
  borderColor: 'rgba(0, 229, 255, 0.5)',
  textStyle: { color: palette.text, fontSize: 13 },
};

/**
 * An ECharts instance on `el` for the component's life: drawn from `option()` whenever its
 * reactive inputs change, resized with its box, disposed on unmount. The stage is scaled with a
 * CSS transform; ECharts measures the untransformed box, so charts stay sharp in stage pixels.
 */
export function useChart(el: Ref<HTMLElement | null>, option: () => EChartsCoreOption, setup?: (chart: ECharts) => void, renderer: 'canvas' | 'svg' = 'canvas'): Ref<ECharts | null> {
  const chart = shallowRef<ECharts | null>(null);
  let observer: ResizeObserver | null = null;
  onMounted(() => {
    if (!el.value) return;
    const instance = init(el.value, undefined, { renderer });
    chart.value = instance;
    setup?.(instance);
    instance.setOption(option(), { notMerge: true });
    observer = new ResizeObserver(() => instance.resize());
    observer.observe(el.value);
  });
  watch(option, (next) => chart.value?.setOption(next, { notMerge: true }));
  onBeforeUnmount(() => {
    observer?.disconnect();
    chart.value?.dispose();
    chart.value = null;
  });
  return chart;
}
