/**
 * The demo: an MSP ("Northwind IT Services") with 90 days of history, made by running real operations through the
 * audited client inside realistic contexts (who, from which IP and browser, when), never by inserting audit rows.
 * Entries are backdated with the seeding clock, which only this module uses. A second, smaller organization proves
 * tenant isolation. Seeding twice changes nothing: it stops when the demo organization exists.
 */
import { randomUUID } from 'node:crypto';
import { currentAuditContext, record, runAsSystem, withAuditContext } from '@auditlog/audit';
import { withSeedClock } from '@auditlog/audit/seeding';
import { hashPassword, verifyPassword } from '@auditlog/auth';
import type { AuditedPrismaClient, Role } from '@auditlog/db';
import { StartupRefusal } from '../env.ts';

export const DEMO_PASSWORD = 'demo-password';
export const DEMO_ACCOUNTS = [
  { email: 'owner@demo.test', name: 'Olivia Martin', role: 'OWNER' },
  { email: 'admin@demo.test', name: 'Adam Reyes', role: 'ADMIN' },
  { email: 'tech@demo.test', name: 'Tara Chen', role: 'TECHNICIAN' },
  { email: 'billing@demo.test', name: 'Ben Okafor', role: 'BILLING' },
] as const satisfies readonly { email: string; name: string; role: Role }[];

const DEMO_SLUG = 'northwind';
const DAYS = 90;

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
];
const OFFICE_IPS = ['203.0.113.24', '203.0.113.25', '198.51.100.17', '2001:db8:4a::1f', '192.0.2.88'];

/** A small deterministic generator, so that every fresh demo tells the same story. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    chance: (p: number) => next() < p,
  };
}

const CLIENTS = [
  ['Harbor Dental Group', 'Healthcare'],
  ['Bluebird Logistics', 'Transport'],
  ['Cedar & Pine Law', 'Legal'],
  ['Summit Architects', 'Architecture'],
  ['Greenfield Schools', 'Education'],
  ['Orchid Hotels', 'Hospitality'],
  ['Riverside Clinic', 'Healthcare'],
  ['Atlas Manufacturing', 'Manufacturing'],
  ['Lumen Accounting', 'Finance'],
  ['Maple Street Bakery', 'Retail'],
  ['Vertex Engineering', 'Engineering'],
  ['Coastal Realty', 'Real estate'],
] as const;
const FIRST = [
  'Emma',
  'Liam',
  'Sofia',
  'Noah',
  'Mia',
  'Lucas',
  'Ava',
  'Ethan',
  'Chloe',
  'Mateo',
  'Zoe',
  'Omar',
  'Priya',
  'Jonas',
  'Hana',
];
const LAST = [
  'Nguyen',
  'Garcia',
  'Müller',
  'Smith',
  'Kowalski',
  'Haddad',
  'Tanaka',
  'Rossi',
  'Dubois',
  'Patel',
  'Olsen',
  'Silva',
];
const SUBJECTS = [
  'Printer offline on 2nd floor',
  'VPN drops every hour',
  'New laptop setup',
  'Outlook keeps asking for password',
  'Server disk almost full',
  'Phishing email reported',
  'Wi-Fi slow in meeting room',
  'Backup job failed',
  'Onboard new employee',
  'Replace failing UPS battery',
  'MFA reset request',
  'Shared drive permissions',
  'Teams camera not detected',
  'Firewall firmware update',
  'Scanner to email broken',
  'License renewal',
];
const ASSETS = [
  ['WORKSTATION', 'Dell OptiPlex 7010', 'Dell'],
  ['LAPTOP', 'ThinkPad T14 Gen 5', 'Lenovo'],
  ['SERVER', 'PowerEdge R660', 'Dell'],
  ['NETWORK_DEVICE', 'FortiGate 60F', 'Fortinet'],
  ['PRINTER', 'LaserJet Pro M404', 'HP'],
  ['MOBILE', 'iPhone 15', 'Apple'],
] as const;

/**
 * Refuses (for production) while any demo account still opens with the published password: a database seeded
 * earlier, in development, must not become a production database with a known way in.
 * @throws StartupRefusal naming the accounts and what to do
 */
export async function assertNoPublishedDemoPasswords(prisma: AuditedPrismaClient): Promise<void> {
  const accounts = await prisma.user.findMany({
    where: { email: { in: DEMO_ACCOUNTS.map((account) => account.email) }, deactivatedAt: null },
    select: { email: true, passwordHash: true },
  });
  const open: string[] = [];
  for (const account of accounts)
    if (await verifyPassword(account.passwordHash, DEMO_PASSWORD)) open.push(account.email);
  if (open.length > 0) {
    throw new StartupRefusal(
      `NODE_ENV=production, but the demo account(s) ${open.join(', ')} still have the published password "${DEMO_PASSWORD}". ` +
        'Change their passwords (auth.changePassword) or deactivate them, or start from a database without the demo.',
    );
  }
}

export interface SeedResult {
  created: boolean;
  organizations: number;
  entries: number;
}

/**
 * Sets `createdAt` on a create's data and on the records its nested writes create. The objects are the seed's own,
 * built inline for one call: stamping them in place changes nothing else.
 */
function stampCreates(data: object, at: Date): void {
  if (!('createdAt' in data)) Object.assign(data, { createdAt: at });
  for (const value of Object.values(data)) {
    const nested: unknown = value && typeof value === 'object' && 'create' in value ? value.create : undefined;
    for (const item of Array.isArray(nested) ? nested : [nested])
      if (item && typeof item === 'object') stampCreates(item, at);
  }
}

/**
 * The client the seed writes through: a record created at a moment of the story carries that moment as its own
 * createdAt (which its create entry shows), not the day the demo was seeded.
 */
function stampedWithSeedClock(prisma: AuditedPrismaClient): AuditedPrismaClient {
  return prisma.$extends({
    query: {
      $allModels: {
        create({ args, query }) {
          const at = currentAuditContext()?.at;
          if (at) stampCreates(args.data, at);
          return query(args);
        },
      },
    },
  });
}

type Random = ReturnType<typeof random>;
interface Person {
  id: string;
  name: string;
  email: string;
}

/**
 * What every step of the story writes with. The order of the calls to `rng` and `at` is the story: a step that
 * called them in another order would tell a different one.
 */
interface Story {
  prisma: AuditedPrismaClient;
  rng: Random;
  /** The next moment of day `day` (0 = 90 days ago): from 07:00 UTC on, a few minutes after the previous event. */
  at: (day: number) => Date;
  /** Runs `fn` as `user` at `when`, from the IP and browser of the user's session of the day (or a random one). */
  as: <T>(user: Person, when: Date, fn: () => PromiseLike<T>) => Promise<T>;
  /** Who signed in today, from where. */
  sessions: Map<string, { ip: string; ua: string }>;
  passwordHash: string;
}

/** Northwind as the story goes: its people and integrations, and the records made so far. */
interface Northwind {
  org: string;
  users: Person[];
  owner: Person;
  admin: Person;
  tech: Person;
  billing: Person;
  /** Who might look at a ticket (the technician twice: they look most). */
  staff: Person[];
  emailSync: { id: string; name: string };
  rmmSync: { id: string; name: string };
  vendors: { id: string }[];
  clients: { id: string; name: string }[];
  tickets: { id: string; status: string }[];
  invoices: { id: string; status: string; number: string }[];
  assets: { id: string; name: string }[];
  /** The last ticket, invoice and quote numbers given. */
  numbers: { ticket: number; invoice: number; quote: number };
}

/** The story's clock and actors, over the 90 days that end yesterday. */
function startStory(prisma: AuditedPrismaClient, start: Date, passwordHash: string): Story {
  const rng = random(20261125);
  let clock = start.getTime();
  const at = (day: number) => {
    const opening = start.getTime() + day * 86_400_000 + 7 * 3_600_000;
    clock = Math.max(clock, opening) + rng.int(1, 14) * 60_000 + rng.int(0, 59_999);
    return new Date(clock);
  };
  const sessions = new Map<string, { ip: string; ua: string }>();
  const as = <T>(user: Person, when: Date, fn: () => PromiseLike<T>) => {
    const origin = sessions.get(user.id) ?? { ip: rng.pick(OFFICE_IPS), ua: rng.pick(BROWSERS) };
    return withAuditContext(
      {
        userId: user.id,
        name: user.name,
        email: user.email,
        ipAddress: origin.ip,
        userAgent: origin.ua,
        requestId: randomUUID(),
      },
      () => withSeedClock(when, fn),
    );
  };
  return { prisma, rng, at, as, sessions, passwordHash };
}

/** Day 0: the organization signs up, the owner invites the team, an admin connects the integrations and vendors. */
async function foundNorthwind(story: Story): Promise<Northwind> {
  const { prisma, at, as, passwordHash } = story;
  // The seeding clock goes inside the actor's context: it stamps the context it finds.
  const organization = await runAsSystem({ name: 'Signup' }, () =>
    withSeedClock(at(0), () =>
      prisma.organization.create({ data: { name: 'Northwind IT Services', slug: DEMO_SLUG } }),
    ),
  );
  const org = organization.id;
  const owner = await runAsSystem({ name: 'Signup' }, () =>
    withSeedClock(at(0), () =>
      prisma.user.create({ data: { organizationId: org, ...DEMO_ACCOUNTS[0], passwordHash } }),
    ),
  );
  const users: Person[] = [owner];
  for (const account of DEMO_ACCOUNTS.slice(1)) {
    users.push(
      await as(owner, at(0), () => prisma.user.create({ data: { organizationId: org, ...account, passwordHash } })),
    );
  }
  const [, admin, tech, billing] = users;
  if (!admin || !tech || !billing) throw new Error('demo users missing');
  const { emailSync, rmmSync } = await connectIntegrations(story, org, admin);
  const vendors = [];
  for (const name of ['Dell Technologies', 'Fortinet', 'Microsoft', 'TD Synnex']) {
    vendors.push(
      await as(admin, at(0), () =>
        prisma.vendor.create({
          data: { organizationId: org, name, website: `https://${name.split(' ')[0]?.toLowerCase()}.example` },
        }),
      ),
    );
  }
  return {
    org,
    users,
    owner,
    admin,
    tech,
    billing,
    staff: [owner, admin, tech, tech, billing],
    emailSync,
    rmmSync,
    vendors,
    clients: [],
    tickets: [],
    invoices: [],
    assets: [],
    numbers: { ticket: 1000, invoice: 2000, quote: 500 },
  };
}

/** The email and RMM integrations, with settings that hold a secret the capture must redact. */
async function connectIntegrations({ prisma, at, as }: Story, org: string, admin: Person) {
  const emailSync = await as(admin, at(0), () =>
    prisma.integration.create({
      data: {
        organizationId: org,
        name: 'Email sync',
        provider: 'microsoft365',
        status: 'CONNECTED',
        settings: { mailbox: 'support@northwind.example', folder: 'Inbox', clientSecret: 'demo-secret-value' },
        encryptedCredentials: Buffer.from(randomUUID()),
      },
    }),
  );
  const rmmSync = await as(admin, at(0), () =>
    prisma.integration.create({
      data: {
        organizationId: org,
        name: 'RMM sync',
        provider: 'ninjaone',
        status: 'CONNECTED',
        settings: { region: 'eu', pollMinutes: 15 },
        encryptedCredentials: Buffer.from(randomUUID()),
      },
    }),
  );
  return { emailSync, rmmSync };
}

/** One day at Northwind, in the order things happen. `busy` is 1 on weekdays, 0.25 at the weekend. */
async function workDay(story: Story, northwind: Northwind, day: number, busy: number): Promise<void> {
  await signIn(story, northwind, day, busy);
  await maybeWinClient(story, northwind, day);
  // Before the first client there is nothing to work on, and yesterday's sessions are not closed.
  if (northwind.clients.length === 0) return;
  await workTickets(story, northwind, day, busy);
  await trackAssets(story, northwind, day);
  await syncIntegrations(story, northwind, day);
  await bill(story, northwind, day, busy);
  await occasionalChanges(story, northwind, day);
  await signOut(story, northwind, day);
  story.sessions.clear();
}

/** Sign-ins of the day, from the office or from home, on the person's browser of the day; now and then a typo. */
async function signIn({ prisma, rng, at, as, sessions }: Story, { org, users }: Northwind, day: number, busy: number) {
  for (const person of users) {
    if (!rng.chance(0.7 * busy)) continue;
    sessions.set(person.id, {
      ip: rng.chance(0.8) ? rng.pick(OFFICE_IPS) : `198.51.100.${rng.int(20, 250)}`,
      ua: rng.pick(BROWSERS),
    });
    if (rng.chance(0.06)) {
      // As the sign-in service records it: nobody is verified yet, so the actor is anonymous.
      const origin = sessions.get(person.id);
      await withAuditContext(
        { anonymous: true, ipAddress: origin?.ip, userAgent: origin?.ua, requestId: randomUUID() },
        () =>
          withSeedClock(at(day), () =>
            record(prisma, {
              organizationId: org,
              action: 'failed_login',
              entityType: 'user',
              entityId: person.id,
              metadata: { attemptedEmail: person.email, reason: 'wrong_password' },
            }),
          ),
      );
    }
    await as(person, at(day), () =>
      record(prisma, {
        organizationId: org,
        action: 'login',
        entityType: 'user',
        entityId: person.id,
        metadata: { method: 'password' },
      }),
    );
  }
}

/** New clients in the first weeks, with their contacts (nested writes), and often a contract. */
async function maybeWinClient({ prisma, rng, at, as }: Story, northwind: Northwind, day: number): Promise<void> {
  const { org, admin, billing, clients } = northwind;
  if (clients.length >= CLIENTS.length || !(day < 30 ? rng.chance(0.45) : rng.chance(0.05))) return;
  const [name, industry] = CLIENTS[clients.length] ?? CLIENTS[0];
  const client = await as(admin, at(day), () =>
    prisma.client.create({
      data: {
        organizationId: org,
        name,
        industry,
        status: 'ACTIVE',
        website: `https://${name.toLowerCase().replace(/[^a-z]+/g, '')}.example`,
        billingAddress: {
          street: `${rng.int(1, 400)} Market Street`,
          city: rng.pick(['Seattle', 'Portland', 'Denver', 'Austin']),
          country: 'US',
        },
        contacts: {
          create: [0, 1].map(() => {
            const first = rng.pick(FIRST);
            const last = rng.pick(LAST);
            return {
              organizationId: org,
              name: `${first} ${last}`,
              email: `${first.toLowerCase()}.${last.toLowerCase()}@client.example`,
              title: rng.pick(['Office manager', 'CFO', 'IT contact', 'Owner']),
            };
          }),
        },
      },
    }),
  );
  clients.push(client);
  if (rng.chance(0.6)) {
    await as(billing, at(day), () =>
      prisma.contract.create({
        data: {
          organizationId: org,
          clientId: client.id,
          name: `${name} managed services`,
          status: 'ACTIVE',
          monthlyValue: String(rng.int(8, 60) * 50),
          startsOn: at(day),
        },
      }),
    );
  }
}

/** Where a ticket goes next: NEW → OPEN → (waiting on the client →) RESOLVED → CLOSED. */
function nextTicketStatus(rng: Random, status: string) {
  if (status === 'NEW') return 'OPEN';
  if (status === 'OPEN') return rng.pick(['WAITING_ON_CLIENT', 'RESOLVED'] as const);
  return status === 'WAITING_ON_CLIENT' ? 'RESOLVED' : 'CLOSED';
}

/** Tickets: opened, worked on, resolved; now and then a duplicate deleted or a ticket looked at. */
async function workTickets(story: Story, northwind: Northwind, day: number, busy: number): Promise<void> {
  const { prisma, rng, at, as } = story;
  const { org, admin, tech, clients, tickets, numbers } = northwind;
  for (let i = 0; i < rng.int(1, 4) * busy; i++) {
    const client = rng.pick(clients);
    const ticket = await as(rng.pick([tech, admin, tech]), at(day), () =>
      prisma.ticket.create({
        data: {
          organizationId: org,
          number: ++numbers.ticket,
          subject: rng.pick(SUBJECTS),
          clientId: client.id,
          priority: rng.pick(['LOW', 'NORMAL', 'NORMAL', 'HIGH', 'URGENT'] as const),
        },
      }),
    );
    tickets.push({ id: ticket.id, status: 'NEW' });
  }
  for (const ticket of tickets.filter((t) => t.status !== 'CLOSED')) {
    if (!rng.chance(0.3)) continue;
    const next = nextTicketStatus(rng, ticket.status);
    await as(rng.pick([tech, tech, admin]), at(day), () =>
      prisma.ticket.update({
        where: { id: ticket.id },
        data: {
          status: next,
          ...(next === 'OPEN' ? { assigneeId: rng.pick([tech.id, admin.id]) } : {}),
          ...(next === 'RESOLVED' ? { resolvedAt: at(day) } : {}),
        },
      }),
    );
    ticket.status = next;
  }
  if (rng.chance(0.08) && tickets.length > 5) {
    const duplicate = tickets.splice(rng.int(0, tickets.length - 1), 1)[0];
    if (duplicate) await as(admin, at(day), () => prisma.ticket.delete({ where: { id: duplicate.id } }));
  }
  if (rng.chance(0.25 * busy)) {
    const viewed = rng.pick(tickets);
    if (viewed)
      await as(rng.pick(northwind.staff), at(day), () =>
        record(prisma, { organizationId: org, action: 'view', entityType: 'ticket', entityId: viewed.id }),
      );
  }
}

/** Assets from the RMM (written by System), and a technician changing one's status. */
async function trackAssets({ prisma, rng, at, as }: Story, northwind: Northwind, day: number): Promise<void> {
  const { org, tech, clients, assets } = northwind;
  if (rng.chance(0.35)) {
    const [type, model, manufacturer] = rng.pick(ASSETS);
    const client = rng.pick(clients);
    const asset = await runAsSystem({ name: 'RMM sync' }, () =>
      withSeedClock(at(day), () =>
        prisma.asset.create({
          data: {
            organizationId: org,
            clientId: client.id,
            name: `${client.name.split(' ')[0]?.toUpperCase()}-${type.slice(0, 2)}${rng.int(10, 99)}`,
            type,
            model,
            manufacturer,
            serialNumber: randomUUID().slice(0, 10).toUpperCase(),
            ipAddress: `10.${rng.int(0, 20)}.${rng.int(0, 255)}.${rng.int(2, 250)}`,
            diskBytes: BigInt(rng.pick([256, 512, 1024, 2048])) * 1_000_000_000n,
            specs: { cpu: rng.pick(['i5-1345U', 'i7-13700', 'Xeon Silver 4410Y']), ramGb: rng.pick([8, 16, 32, 64]) },
          },
        }),
      ),
    );
    assets.push(asset);
  }
  if (rng.chance(0.12) && assets.length > 0) {
    const asset = rng.pick(assets);
    await as(tech, at(day), () =>
      prisma.asset.update({
        where: { id: asset.id },
        data: { status: rng.pick(['IN_REPAIR', 'IN_SERVICE', 'RETIRED'] as const) },
      }),
    );
  }
}

/** Integrations sync on their own, as System. */
async function syncIntegrations({ prisma, rng, at }: Story, northwind: Northwind, day: number): Promise<void> {
  for (const integration of [northwind.emailSync, northwind.rmmSync]) {
    if (!rng.chance(0.5)) continue;
    const when = at(day);
    await runAsSystem({ name: integration.name }, () =>
      withSeedClock(when, async () => {
        await prisma.integration.update({ where: { id: integration.id }, data: { lastSyncAt: when } });
        await record(prisma, {
          organizationId: northwind.org,
          action: 'sync',
          entityType: 'integration',
          entityId: integration.id,
          metadata: { items: rng.int(3, 120), durationMs: rng.int(800, 9000) },
        });
      }),
    );
  }
}

/** Billing: invoices drafted, sent, paid; quotes; an export now and then. */
async function bill(story: Story, northwind: Northwind, day: number, busy: number): Promise<void> {
  const { prisma, rng, at, as } = story;
  const { org, owner, billing, invoices } = northwind;
  if (rng.chance(0.3 * busy)) await draftInvoice(story, northwind, day);
  for (const invoice of invoices) {
    if (invoice.status === 'PAID' || !rng.chance(0.2)) continue;
    const status = invoice.status === 'DRAFT' ? 'SENT' : 'PAID';
    await as(billing, at(day), () =>
      prisma.invoice.update({
        where: { id: invoice.id },
        data: { status, ...(status === 'SENT' ? { issuedAt: at(day) } : { paidAt: at(day) }) },
      }),
    );
    invoice.status = status;
  }
  if (rng.chance(0.1)) {
    const client = rng.pick(northwind.clients);
    await as(billing, at(day), () =>
      prisma.quote.create({
        data: {
          organizationId: org,
          clientId: client.id,
          number: `Q-${++northwind.numbers.quote}`,
          title: 'Hardware refresh',
          total: String(rng.int(20, 200) * 50),
        },
      }),
    );
  }
  if (rng.chance(0.07)) {
    await as(rng.pick([owner, billing]), at(day), () =>
      record(prisma, {
        organizationId: org,
        action: 'export',
        entityType: 'invoice',
        entityId: 'all',
        metadata: { format: 'csv', rows: invoices.length },
      }),
    );
  }
}

/** A draft invoice for a client, with its line (a nested write). */
async function draftInvoice({ prisma, rng, at, as }: Story, northwind: Northwind, day: number): Promise<void> {
  const { org, billing } = northwind;
  const client = rng.pick(northwind.clients);
  const number = `INV-${++northwind.numbers.invoice}`;
  const amount = rng.int(4, 90) * 25;
  const invoice = await as(billing, at(day), () =>
    prisma.invoice.create({
      data: {
        organizationId: org,
        clientId: client.id,
        number,
        subtotal: String(amount),
        tax: String(amount * 0.08),
        total: String(amount * 1.08),
        lines: {
          create: [
            {
              organizationId: org,
              description: 'Managed services',
              quantity: '1',
              unitPrice: String(amount),
              amount: String(amount),
            },
          ],
        },
      },
    }),
  );
  northwind.invoices.push({ id: invoice.id, status: 'DRAFT', number });
}

/** Now and then: a password change, rotated integration credentials, a contact leaving, a client archived. */
async function occasionalChanges(story: Story, northwind: Northwind, day: number): Promise<void> {
  const { prisma, at, as, passwordHash } = story;
  const { org, owner, admin, tech, billing, clients } = northwind;
  if (day === 20 || day === 61) {
    await as(tech, at(day), () => prisma.user.update({ where: { id: tech.id }, data: { passwordHash } }));
  }
  if (day === 45) {
    await as(admin, at(day), () =>
      prisma.integration.update({
        where: { id: northwind.emailSync.id },
        data: {
          encryptedCredentials: Buffer.from(randomUUID()),
          settings: { mailbox: 'helpdesk@northwind.example', folder: 'Inbox', clientSecret: 'rotated-secret' },
        },
      }),
    );
    await as(admin, at(day), () =>
      prisma.user.update({ where: { id: billing.id }, data: { role: 'BILLING', mfaSecret: 'JBSWY3DPEHPK3PXP' } }),
    );
  }
  if (day === 70 && clients.length > 3) {
    const contact = await prisma.contact.findFirst({ where: { organizationId: org }, orderBy: { name: 'asc' } });
    if (contact) await as(admin, at(day), () => prisma.contact.delete({ where: { id: contact.id } }));
    const client = clients[3];
    if (client) {
      await as(owner, at(day), () =>
        prisma.client.update({
          where: { id: client.id },
          data: { status: 'CHURNED', notes: 'Moved to an in-house IT team.' },
        }),
      );
      await as(owner, at(day), () =>
        record(prisma, { organizationId: org, action: 'archive', entityType: 'client', entityId: client.id }),
      );
    }
  }
  if (day === 80) {
    const vendor = northwind.vendors[3];
    if (vendor) await as(admin, at(day), () => prisma.vendor.delete({ where: { id: vendor.id } }));
  }
}

/** End of the day: about half sign out explicitly; the others' sessions simply expire. */
async function signOut({ prisma, rng, at, as, sessions }: Story, { org, users }: Northwind, day: number) {
  for (const person of users) {
    if (sessions.has(person.id) && rng.chance(0.5)) {
      await as(person, at(day), () =>
        record(prisma, { organizationId: org, action: 'logout', entityType: 'user', entityId: person.id }),
      );
    }
  }
}

/** A second, smaller organization: none of it may ever show in Northwind's log. */
async function seedContoso({ prisma, at, as, passwordHash }: Story): Promise<void> {
  const contoso = await runAsSystem({ name: 'Signup' }, () =>
    prisma.organization.create({ data: { name: 'Contoso Managed IT', slug: 'contoso' } }),
  );
  const contosoOwner = await runAsSystem({ name: 'Signup' }, () =>
    prisma.user.create({
      data: {
        organizationId: contoso.id,
        name: 'Carla Contoso',
        email: 'owner@contoso.test',
        role: 'OWNER',
        passwordHash,
      },
    }),
  );
  for (let day = 60; day < DAYS; day += 3) {
    const client = await as(contosoOwner, at(day), () =>
      prisma.client.create({ data: { organizationId: contoso.id, name: `Contoso client ${day}` } }),
    );
    await as(contosoOwner, at(day), () =>
      prisma.ticket.create({
        data: { organizationId: contoso.id, number: day, subject: 'Contoso-only ticket', clientId: client.id },
      }),
    );
  }
}

/** Seeds the demo unless it is there already. Refuses in production: the accounts have a published password. */
export async function seedDemo(
  audited: AuditedPrismaClient,
  options: { now?: Date; production?: boolean } = {},
): Promise<SeedResult> {
  const prisma = stampedWithSeedClock(audited);
  if (options.production)
    throw new StartupRefusal(
      'The demo seed is refused when NODE_ENV=production: its accounts have a published password.',
    );
  if (await prisma.organization.findUnique({ where: { slug: DEMO_SLUG } }))
    return { created: false, organizations: 0, entries: 0 };

  const now = options.now ?? new Date();
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  // Day 0 is 90 days ago, the last day is yesterday: every entry is in the past, in the order it happened.
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - DAYS));
  const story = startStory(prisma, start, passwordHash);
  const before = await prisma.auditLog.count();

  const northwind = await foundNorthwind(story);
  for (let day = 0; day < DAYS; day++) {
    const weekday = new Date(start.getTime() + day * 86_400_000).getUTCDay();
    await workDay(story, northwind, day, weekday === 0 || weekday === 6 ? 0.25 : 1);
  }
  await seedContoso(story);

  return { created: true, organizations: 2, entries: (await prisma.auditLog.count()) - before };
}
