/** Hex and ASCII of one data source, with the selected field's bytes highlighted; tabs name every source. */
import { Box, Text } from 'ink';
import type { HexVM } from '../view-models.js';

export default function HexPane({ vm }: { vm: HexVM }) {
  return (
    <Box flexDirection="column" height={vm.height + 1} flexShrink={0} overflow="hidden">
      <Text wrap="truncate">
        {vm.tabs.length === 0 ? (
          <Text inverse={vm.focused} bold>
            Bytes
          </Text>
        ) : (
          vm.tabs.map((t, i) => (
            <Text key={i} inverse={t.active && vm.focused} bold={t.active} underline={t.active && !vm.focused} dimColor={!t.active}>
              {i ? '  ' : ''}[{t.label}]
            </Text>
          ))
        )}
      </Text>
      {vm.rows.map((r) => (
        <Text key={r.key} wrap="truncate">
          {r.segments.map((s, i) =>
            s.highlight ? (
              <Text key={i} inverse>
                {s.text}
              </Text>
            ) : (
              <Text key={i}>{s.text}</Text>
            ),
          )}
        </Text>
      ))}
    </Box>
  );
}
