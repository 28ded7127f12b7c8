import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

const WRITES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

/**
 * Calls `onWrite` whenever a query that changes data is sent and again when it has run,
 * through whichever handle or transaction. Used to drop per-node read caches: no write path
 * can forget to invalidate them.
 */
export class WriteListener implements KyselyPlugin {
  private readonly pending = new WeakSet<object>();

  constructor(private readonly onWrite: () => void) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (WRITES.has(args.node.kind) || (args.node.kind === 'RawNode' && /^\s*(insert|update|delete|with)\b/i.test(rawText(args.node)))) {
      this.pending.add(args.queryId);
      this.onWrite();
    }
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.pending.has(args.queryId)) this.onWrite();
    return args.result;
  }
}

function rawText(node: RootOperationNode): string {
  const parts = (node as unknown as { sqlFragments?: readonly string[] }).sqlFragments;
  return parts?.join(' ') ?? '';
}
