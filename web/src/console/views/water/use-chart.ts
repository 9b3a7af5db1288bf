import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { type ECharts, type EChartsCoreOption, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { onBeforeUnmount, onMounted, type Ref, shallowRef, watch } from 'vue';

/** Only what the water pages draw (tree-shaken). */
use([BarChart, LineChart, ScatterChart, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

/**
 * An ECharts instance on `el` for the component's life: drawn once the element exists (it may come
 * with data loaded after mounting), redrawn when `option()` changes, resized with its box.
 */
export function useChart(el: Ref<HTMLElement | null>, option: () => EChartsCoreOption | null): Ref<ECharts | null> {
  const chart = shallowRef<ECharts | null>(null);
  let observer: ResizeObserver | null = null;
  const draw = (next: EChartsCoreOption | null) => {
    if (!el.value || !next) return;
    if (!chart.value) {
      chart.value = init(el.value, undefined, { renderer: 'canvas' });
      observer = new ResizeObserver(() => chart.value?.resize());
      observer.observe(el.value);
    }
    chart.value.setOption(next, { notMerge: true });
  };
  onMounted(() => draw(option()));
  // After the DOM update: the element appears with the data that fills it.
  watch(option, draw, { flush: 'post' });
  onBeforeUnmount(() => {
    observer?.disconnect();
    chart.value?.dispose();
    chart.value = null;
  });
  return chart;
}
