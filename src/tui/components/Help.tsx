/** The `?` screen: every key, grouped, from the same table the bindings are tested against. */
import { Box, Text } from 'ink';
import type { OverlayVM } from '../view-models.js';

type HelpVM = Extract<OverlayVM, { kind: 'help' }>;

export default function Help({ vm }: { vm: HelpVM }) {
  const keyWidth = Math.max(...vm.groups.flatMap((g) => g.entries.map((e) => e.keys.length)));
  return (
    <Box flexDirection="column" height={vm.height} flexShrink={0} overflow="hidden">
      <Text bold inverse>
        Keys (Esc, q or ? closes)
      </Text>
      {vm.groups.map((g) => (
        <Box key={g.title} flexDirection="column">
          <Text bold>{g.title}</Text>
          {g.entries.map((e) => (
            <Text key={e.keys} wrap="truncate">
              {'  '}
              <Text color="cyan">{e.keys.padEnd(keyWidth)}</Text>
              {'  '}
              {e.action}
            </Text>
          ))}
        </Box>
      ))}
    </Box>
  );
}
