/** One namespace entry; `regex` is matched the way Synapse does: anchored at the start only. */
export interface NamespaceEntry {
  exclusive: boolean;
  regex: string;
}

/** An application-service registration, camelCased. Converted to/from YAML snake_case at the file boundary. */
export interface Registration {
  id: string;
  /** null = the homeserver pushes nothing (a send-only bridge). */
  url: string | null;
  asToken: string;
  hsToken: string;
  senderLocalpart: string;
  namespaces: {
    users: NamespaceEntry[];
    aliases: NamespaceEntry[];
    rooms: NamespaceEntry[];
  };
  rateLimited: boolean;
  protocols?: string[];
  receiveEphemeral?: boolean;
}
