/** The display-filter line (and the go-to prompt): coloured by validity as typed, the error beside it. */
import { Box, Text } from 'ink';
import type { FilterBarVM } from '../view-models.js';
import { FILTER_COLOR } from './theme.js';

export default function FilterBar({ vm }: { vm: FilterBarVM }) {
  const editing = vm.mode !== 'idle';
  const before = editing ? vm.text.slice(0, vm.cursor) : vm.text;
  const at = editing ? (vm.text[vm.cursor] ?? ' ') : '';
  const after = editing ? vm.text.slice(vm.cursor + 1) : '';
  const color = vm.mode === 'goto' || vm.mode === 'keys' ? undefined : FILTER_COLOR[vm.state];
  return (
    <Box height={1} flexShrink={0}>
      <Text wrap="truncate">
        <Text bold={editing}>{vm.label}</Text>
        <Text color={color}>{before}</Text>
        {editing ? <Text inverse>{at}</Text> : null}
        <Text color={color}>{after}</Text>
        {vm.mode === 'idle' && !vm.text ? <Text dimColor>(none: press / to filter)</Text> : null}
        {vm.error ? <Text color={vm.state === 'invalid' ? 'red' : 'gray'}>{`  ${vm.error}`}</Text> : null}
      </Text>
    </Box>
  );
}
