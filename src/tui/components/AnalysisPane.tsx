/** A full-width text view from src/analyze (ladder, SAs) or the one-line "not available" notice of a seam. */
import { Box, Text } from 'ink';
import type { OverlayVM } from '../view-models.js';

type ViewVM = Extract<OverlayVM, { kind: 'view' }>;

export default function AnalysisPane({ vm }: { vm: ViewVM }) {
  return (
    <Box flexDirection="column" height={vm.height} flexShrink={0} overflow="hidden">
      <Text bold inverse wrap="truncate">
        {vm.title}
      </Text>
      {vm.status !== undefined ? <Text dimColor>{vm.status}</Text> : null}
      {vm.lines.map((l) => (
        <Text key={l.key} wrap="truncate" inverse={l.selected}>
          {l.text}
        </Text>
      ))}
    </Box>
  );
}
