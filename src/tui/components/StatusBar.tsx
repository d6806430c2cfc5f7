/** One status line: file, packet counts, loading and filtering progress, time format, focus, messages. */
import { Box, Text } from 'ink';
import type { StatusVM } from '../view-models.js';

export default function StatusBar({ vm }: { vm: StatusVM }) {
  return (
    <Box height={1} flexShrink={0} justifyContent="space-between">
      <Box flexShrink={1} flexGrow={1}>
        <Text wrap="truncate" color={vm.error ? 'red' : undefined}>
          {vm.text}
        </Text>
      </Box>
      <Text dimColor>
        {' '}
        {vm.hint}
      </Text>
    </Box>
  );
}
