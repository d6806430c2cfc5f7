/** The packet list: a column header and only the visible window of rows (never the whole capture). */
import { Box, Text } from 'ink';
import type { PacketListVM } from '../view-models.js';
import { KIND_COLOR } from './theme.js';

export default function PacketList({ vm }: { vm: PacketListVM }) {
  return (
    <Box flexDirection="column" height={vm.height + 1} flexShrink={0} overflow="hidden">
      <Text inverse={vm.focused} bold wrap="truncate">
        {vm.header}
      </Text>
      {vm.empty !== undefined ? (
        <Text dimColor>{vm.empty}</Text>
      ) : (
        vm.rows.map((r) => (
          <Text
            key={r.key}
            wrap="truncate"
            inverse={r.selected}
            bold={(r.selected && vm.focused) || r.decrypted}
            color={r.icvBad || r.severity === 'error' ? 'red' : KIND_COLOR[r.kind]}
            dimColor={r.kind === 'other' && !r.selected}
          >
            {r.text}
          </Text>
        ))
      )}
    </Box>
  );
}
