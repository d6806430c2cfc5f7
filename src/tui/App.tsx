/**
 * The three-pane screen: packet list, details tree, bytes; then the filter
 * bar and the status bar. Heights come from the terminal size (the root is
 * one row shorter than the terminal, see model/layout.ts) and re-flow on
 * resize. A help screen or an analysis view replaces the panes while open.
 */
import { Box } from 'ink';
import type { TuiController } from './model/controller.js';
import { appVM } from './view-models.js';
import useController from './hooks/use-controller.js';
import useKeyBindings from './hooks/use-key-bindings.js';
import useTerminalSize from './hooks/use-terminal-size.js';
import useResizeSync from './hooks/use-resize-sync.js';
import PacketList from './components/PacketList.js';
import DetailTree from './components/DetailTree.js';
import HexPane from './components/HexPane.js';
import FilterBar from './components/FilterBar.js';
import StatusBar from './components/StatusBar.js';
import Help from './components/Help.js';
import AnalysisPane from './components/AnalysisPane.js';

export interface AppProps {
  readonly controller: TuiController;
  /** Fixed terminal size (tests); otherwise read from stdout and followed on resize. */
  readonly rows?: number;
  readonly columns?: number;
}

export default function App({ controller, rows, columns }: AppProps) {
  const size = useTerminalSize({ rows, columns });
  useResizeSync(controller, size);
  useController(controller);
  useKeyBindings(controller);
  const vm = appVM(controller);
  const { layout } = vm;
  return (
    <Box flexDirection="column" height={layout.height} width={layout.columns}>
      {vm.overlay?.kind === 'help' ? (
        <Help vm={vm.overlay} />
      ) : vm.overlay?.kind === 'view' ? (
        <AnalysisPane vm={vm.overlay} />
      ) : (
        <>
          <PacketList vm={vm.list} />
          {layout.treeRows > 0 ? <DetailTree vm={vm.tree} /> : null}
          {layout.hexRows > 0 ? <HexPane vm={vm.hex} /> : null}
        </>
      )}
      <FilterBar vm={vm.filterBar} />
      <StatusBar vm={vm.status} />
    </Box>
  );
}
