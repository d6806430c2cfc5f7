/** The protocol tree of the selected packet, as flat visible rows with ▸/▾ markers. */
import { Box, Text } from 'ink';
import type { TreeVM } from '../view-models.js';
import { severityColor } from './theme.js';

export default function DetailTree({ vm }: { vm: TreeVM }) {
  return (
    <Box flexDirection="column" height={vm.height + 1} flexShrink={0} overflow="hidden">
      <Text inverse={vm.focused} bold wrap="truncate">
        {vm.title}
      </Text>
      {vm.rows.map((r) => (
        <Text key={r.key} wrap="truncate" inverse={r.selected} bold={r.selected && vm.focused} color={r.isNote || r.severity === 'error' ? severityColor(r.severity) : undefined}>
          {r.text}
        </Text>
      ))}
    </Box>
  );
}
