/**
 * A Matrix user changes a portal's topic → their own IRC user sets the channel topic (joining
 * first if needed). Line breaks become spaces (a topic is one line on IRC). Refusals the server
 * sends later (482 on +t channels) are told by irc-to-matrix/op-refusals.ts; failures to connect
 * or join are told here. The bridge's own topic writes never come back: the core drops events
 * of the bot and ghosts, and the bot skips the TOPIC it hears from a puppet.
 */
import { matrixHandler } from '../registry';
import { userReasonOf } from '../../irc/errors';

export const matrixTopics = matrixHandler({
  name: 'matrix.topic',
  kinds: ['roomState'],
  async handle(event, rt) {
    if (event.field !== 'topic' || rt.ctx.isBridgeUser(event.sender)) return;
    const topic = event.topic.replace(/[\r\n]+/g, ' ').trim();
    for (const portal of rt.portals.channelsOfRoom(event.roomId)) {
      const network = rt.network(portal.network);
      if (!network) continue;
      try {
        const known = network.puppets.get(event.sender);
        const displayName = known ? undefined : await rt.displayNameOf(event.roomId, event.sender);
        const puppet = await network.puppets.joinChannel({ userId: event.sender, ...(displayName ? { displayName } : {}) }, portal.channel, portal.key);
        await puppet.client.setTopic(portal.channel, topic);
      } catch (error) {
        rt.log.info('Topic not set on IRC', { network: network.id, channel: portal.channel, userId: event.sender, error: (error as Error).message });
        await rt.tell(event.roomId, event.sender, `The topic was not changed in ${portal.channel} on ${network.config.name}: ${userReasonOf(error)}`);
      }
    }
  },
});
