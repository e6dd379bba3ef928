// SPDX-License-Identifier: Apache-2.0
/**
 * One region of Clearway: network, the ECS Fargate services of the two roles (ROLE=api behind an ALB with TLS,
 * ROLE=worker without), the SQS FIFO work queue and its DLQ, the S3 archive, the logs, alarms and dashboard.
 * The primary region's stack also holds the DynamoDB table (a global table with a replica in the second
 * region, when there is one), the secrets (replicated to the second region) and the optional Cognito pool.
 *
 * Names and attributes follow what the gateway and scripts/aws-provision.ts expect (docs/aws.md,
 * docs/sqs-work-queue.md): table keys pk/sk, indexes byClient/byShard projecting `status`, TTL on `expiresAt`,
 * queues `<name>-jobs.fifo` / `<name>-jobs-dlq.fifo`, RedrivePolicy maxReceiveCount = JOB_MAX_ATTEMPTS.
 */
import {
  Annotations,
  ArnFormat,
  Aws,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  aws_certificatemanager as acm,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cwActions,
  aws_cognito as cognito,
  aws_dynamodb as dynamodb,
  aws_ec2 as ec2,
  aws_ecr as ecr,
  aws_ecs as ecs,
  aws_elasticloadbalancingv2 as elbv2,
  aws_iam as iam,
  aws_kms as kms,
  aws_logs as logs,
  aws_route53 as route53,
  aws_route53_targets as targets,
  aws_s3 as s3,
  aws_secretsmanager as secretsmanager,
  aws_sns as sns,
  aws_sns_subscriptions as subs,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import cdkNag from 'cdk-nag';
import type { Construct } from 'constructs';
import { AGENT_IMAGE, METRICS_NAMESPACE, agentConfig, prometheusConfig } from './metrics-agent.js';
import type { ClearwaySettings } from './settings.js';

const { NagSuppressions } = cdkNag;

/** The gateway's own names (libs/adapters/aws/src/dynamodb-table.ts); the spec checks they still agree. */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [
    { name: 'byClient', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'byShard', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
  projected: ['status'],
  ttlAttribute: 'expiresAt',
} as const;

/** Work queue retention (4 days) and DLQ retention (14 days), as in libs/adapters/aws/src/sqs-queues.setup.ts. */
const JOB_RETENTION = Duration.days(4);
const DEAD_LETTER_RETENTION = Duration.days(14);
/** The alias of each region's data key; the primary names the second region's by it (replica encryption). */
export const dataKeyAlias = (name: string): string => `alias/${name}-data`;
const PORT = 8080;
const METRICS_PORT = 9464;

export interface ClearwayStackProps extends StackProps {
  settings: ClearwaySettings;
  /** This stack's region (one of settings.regions). */
  region: string;
  /** The second region's data key, made beforehand by its DataKeyStack (its primary key is made here). */
  dataKey?: kms.IKey;
}

/** The KMS key of a region that is not the primary: made first, as the primary's table replica needs it. */
export class DataKeyStack extends Stack {
  readonly key: kms.Key;
  constructor(scope: Construct, id: string, props: StackProps & { settings: ClearwaySettings }) {
    super(scope, id, props);
    this.key = newDataKey(this, props.settings.name);
  }
}

function newDataKey(scope: Construct, name: string): kms.Key {
  const key = new kms.Key(scope, 'DataKey', {
    alias: dataKeyAlias(name),
    description: `${name}: table, queues, archive, secrets, logs and alarm topic of this region`,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // CloudWatch Logs encrypts the log groups with it (only log groups of this account and region).
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*` },
      },
    }),
  );
  // CloudWatch alarms publish to the encrypted SNS topic.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
  );
  return key;
}

export class ClearwayStack extends Stack {
  readonly primary: boolean;
  readonly key: kms.IKey;
  readonly taskRole: iam.Role;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly archive: s3.Bucket;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly table: dynamodb.TableV2 | undefined;

  constructor(scope: Construct, id: string, props: ClearwayStackProps) {
    super(scope, id, { ...props, env: { region: props.region, ...(props.settings.account ? { account: props.settings.account } : {}) } });
    const s = props.settings;
    const region = props.region;
    this.primary = region === s.regions[0];
    const peers = s.regions.filter((r) => r !== region);
    const secretsPrefix = `${s.name}/`;

    // ---- key --------------------------------------------------------------------------------------------
    this.key = props.dataKey ?? newDataKey(this, s.name);
    const key = this.key;

    // ---- DynamoDB (primary only: a global table; its replica lives in the second region) -----------------
    const tableName = s.name;
    if (this.primary) {
      const replicaKeyArns = Object.fromEntries(
        peers.map((r) => [
          r,
          this.formatArn({
            service: 'kms',
            region: r,
            resource: 'alias',
            resourceName: `${s.name}-data`,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ]),
      );
      this.table = new dynamodb.TableV2(this, 'Table', {
        tableName,
        partitionKey: { name: TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: TABLE_SCHEMA.sortKey, type: dynamodb.AttributeType.STRING },
        billing: dynamodb.Billing.onDemand(),
        globalSecondaryIndexes: TABLE_SCHEMA.indexes.map((i) => ({
          indexName: i.name,
          partitionKey: { name: i.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: i.sortKey, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.INCLUDE,
          nonKeyAttributes: [...TABLE_SCHEMA.projected],
        })),
        timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
        encryption: dynamodb.TableEncryptionV2.customerManagedKey(key, replicaKeyArns),
        replicas: peers.map((r) => ({ region: r })),
        ...(peers.length > 0 && s.consistency === 'strong'
          ? { multiRegionConsistency: dynamodb.MultiRegionConsistency.STRONG, witnessRegion: s.witnessRegion }
          : {}),
      });
    }
    const tableArns = s.regions.map((r) =>
      this.formatArn({
        service: 'dynamodb',
        region: r,
        resource: 'table',
        resourceName: tableName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );

    // ---- SQS FIFO work queue and DLQ -----------------------------------------------------------------------
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: `${s.name}-jobs-dlq.fifo`,
      fifo: true,
      contentBasedDeduplication: false,
      retentionPeriod: DEAD_LETTER_RETENTION,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
    });
    NagSuppressions.addResourceSuppressions(this.deadLetterQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason: 'This is the dead-letter queue of the work queue; a DLQ of a DLQ would hide dead letters from the DLQ alarm.',
      },
    ]);
    this.queue = new sqs.Queue(this, 'WorkQueue', {
      queueName: `${s.name}-jobs.fifo`,
      fifo: true,
      contentBasedDeduplication: false,
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      visibilityTimeout: Duration.seconds(30),
      retentionPeriod: JOB_RETENTION,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: s.jobMaxAttempts },
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
    });

    // ---- S3 archive (and the bucket for access logs) -------------------------------------------------------
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      // ALB access logs and S3 server access logs can only be delivered to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(s.logRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(accessLogs, [
      {
        id: 'AwsSolutions-S1',
        reason: 'This bucket receives the access logs of the archive bucket and the ALB; logging it into itself would loop.',
      },
    ]);
    this.archive = new s3.Bucket(this, 'Archive', {
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention:
        s.objectLockMode === 'COMPLIANCE'
          ? s3.ObjectLockRetention.compliance(Duration.days(s.objectLockDays))
          : s3.ObjectLockRetention.governance(Duration.days(s.objectLockDays)),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'archive/',
      lifecycleRules: [
        {
          id: 'archive-to-glacier',
          transitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(s.archiveTransitionDays) }],
          noncurrentVersionTransitions: [
            { storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(s.archiveTransitionDays) },
          ],
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- secrets (primary; replicated to the second region) ------------------------------------------------
    const replicaRegions = peers.map((r) => ({
      region: r,
      encryptionKey: kms.Key.fromKeyArn(
        this,
        `ReplicaKey-${r}`,
        this.formatArn({
          service: 'kms',
          region: r,
          resource: 'alias',
          resourceName: `${s.name}-data`,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ),
    }));
    const secrets: secretsmanager.Secret[] = [];
    if (this.primary) {
      for (const client of s.clients) {
        secrets.push(
          new secretsmanager.Secret(this, `ClientSecret-${client.id}`, {
            secretName: `${secretsPrefix}clients/${client.id}`,
            description: `Clearway: the client secret of ${client.id} (POST /oauth2/token)`,
            encryptionKey: key,
            generateSecretString: { passwordLength: 40, excludePunctuation: true },
            replicaRegions,
            removalPolicy: RemovalPolicy.RETAIN,
          }),
        );
      }
      if (s.legacyHostAuth) {
        secrets.push(
          new secretsmanager.Secret(this, 'LegacyHostAuthorization', {
            secretName: `${secretsPrefix}legacy-host/authorization`,
            description: 'Clearway: the Authorization header sent to the legacy host (generated placeholder: put the real value)',
            encryptionKey: key,
            generateSecretString: { passwordLength: 40, excludePunctuation: true },
            replicaRegions,
            removalPolicy: RemovalPolicy.RETAIN,
          }),
        );
      }
      for (const secret of secrets) {
        NagSuppressions.addResourceSuppressions(secret, [
          {
            id: 'AwsSolutions-SMG4',
            reason:
              'Client secrets are shared with the bank that uses them and the host credential with the host: rotation is a coordinated change (clearway secrets set), not a Lambda. The token-signing keys rotate with npm run keys:rotate.',
          },
        ]);
      }
    }

    // ---- network -------------------------------------------------------------------------------------------
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(s.vpcCidr),
      maxAzs: 2,
      natGateways: s.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: s.logRetentionDays,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    // Gateway endpoints keep DynamoDB and S3 traffic off the NAT gateways.
    vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
    vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });

    // ---- the metrics log group: the CloudWatch agent sidecars write the gateway's metrics there as EMF -----------
    const metricsLogGroupName = `/${s.name}/${region}/metrics`;
    const metricsLogs = new logs.LogGroup(this, 'Logs-metrics', {
      logGroupName: metricsLogGroupName,
      retention: s.logRetentionDays,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- task role: least privilege, as docs/aws.md and docs/sqs-work-queue.md list it ----------------------
    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Clearway gateway tasks (api and worker): the table, the queues, the archive prefix, the secret prefix',
    });
    const statements = taskRoleStatements({
      tableArns,
      queueArns: [this.queue.queueArn, this.deadLetterQueue.queueArn],
      bucketArn: this.archive.bucketArn,
      secretPrefixArn: this.formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${secretsPrefix}*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      keyArn: key.keyArn,
      metricsLogGroupArn: metricsLogs.logGroupArn,
    });
    const policy = new iam.Policy(this, 'TaskPolicy', { statements });
    policy.attachToRole(this.taskRole);
    NagSuppressions.addResourceSuppressions(policy, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Scoped wildcards only: dynamodb table/<name>/index/* (the two GSIs the gateway queries), s3 <bucket>/archive/* (the archive prefix; no DeleteObject), secretsmanager secret:<name>/* (the secret prefix, SECRETS_PREFIX; the signing keys are created by the gateway under it), and secretsmanager:ListSecrets on * because ListSecrets supports no resource-level permission (the readiness ping).',
        appliesTo: [
          { regex: '/^Resource::arn:<AWS::Partition>:dynamodb:.*:table/.*/index/\\*$/g' },
          { regex: '/^Resource::<Archive[0-9A-F]+\\.Arn>\\/archive\\/\\*$/g' },
          { regex: '/^Resource::arn:<AWS::Partition>:secretsmanager:.*:secret:.*/\\*$/g' },
          'Resource::*',
        ],
      },
    ]);

    // ---- ECS ---------------------------------------------------------------------------------------------------
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const image = s.image
      ? ecs.ContainerImage.fromRegistry(s.image)
      : ecs.ContainerImage.fromEcrRepository(ecr.Repository.fromRepositoryName(this, 'Repository', s.ecrRepository), s.imageTag);

    const clients = s.clients.map((c) => ({ id: c.id, secretName: `clients/${c.id}`, scopes: c.scopes }));
    const environment = (role: 'api' | 'worker'): Record<string, string> => ({
      ROLE: role,
      NODE_ENV: 'production',
      PORT: String(PORT),
      METRICS_PORT: String(METRICS_PORT),
      LOG_FORMAT: 'json',
      AWS_REGION: region,
      STORE: 'dynamodb',
      QUEUE: 'sqs',
      ARCHIVE: 's3',
      SECRETS: 'aws',
      DYNAMODB_TABLE: tableName,
      SQS_QUEUE_URL: this.queue.queueUrl,
      SQS_DLQ_URL: this.deadLetterQueue.queueUrl,
      S3_BUCKET: this.archive.bucketName,
      SECRETS_PREFIX: secretsPrefix,
      JOB_MAX_ATTEMPTS: String(s.jobMaxAttempts),
      REGION_ID: region,
      ...(peers.length > 0 ? { PEER_REGIONS: peers.join(','), CONSISTENCY: s.consistency } : {}),
      TRUSTED_PROXIES: s.vpcCidr,
      CLEARWAY_CLIENTS: JSON.stringify(clients),
      LEGACY_HOST_URL: s.legacyHostUrl,
      ...(s.legacyHostAuth ? { LEGACY_HOST_AUTH_SECRET: 'legacy-host/authorization' } : {}),
    });

    const services: Record<'api' | 'worker', ecs.FargateService> = {} as Record<'api' | 'worker', ecs.FargateService>;
    for (const role of ['api', 'worker'] as const) {
      const logGroup = new logs.LogGroup(this, `Logs-${role}`, {
        logGroupName: `/${s.name}/${region}/${role}`,
        retention: s.logRetentionDays,
        encryptionKey: key,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const task = new ecs.FargateTaskDefinition(this, `Task-${role}`, {
        cpu: s.cpu,
        memoryLimitMiB: s.memoryMiB,
        taskRole: this.taskRole,
        runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      });
      task.addContainer('gateway', {
        image,
        essential: true,
        environment: environment(role),
        portMappings: role === 'api' ? [{ containerPort: PORT, name: 'http' }] : [],
        logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: role }),
        // the image's own HEALTHCHECK (Node's fetch on /health/live; the image has no curl)
        healthCheck: {
          command: [
            'CMD',
            'node',
            '-e',
            "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/live',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))",
          ],
          interval: Duration.seconds(15),
          timeout: Duration.seconds(5),
          startPeriod: Duration.seconds(30),
          retries: 3,
        },
        stopTimeout: Duration.seconds(60),
      });
      // The CloudWatch agent: scrapes the gateway's METRICS_PORT and publishes the selected series (lib/metrics-agent.ts).
      // Not essential: a failing or killed agent never stops the gateway (only the metrics alarms notice).
      task.addContainer('cloudwatch-agent', {
        image: ecs.ContainerImage.fromRegistry(AGENT_IMAGE),
        essential: false,
        cpu: 64,
        memoryReservationMiB: 64,
        memoryLimitMiB: 256,
        environment: {
          CW_CONFIG_CONTENT: agentConfig({ region, logGroupName: metricsLogGroupName }),
          PROMETHEUS_CONFIG_CONTENT: prometheusConfig({ region, role, metricsPort: METRICS_PORT }),
        },
        // the agent's own log lines, beside the EMF events of its role
        logging: ecs.LogDrivers.awsLogs({ logGroup: metricsLogs, streamPrefix: `agent-${role}` }),
      });
      NagSuppressions.addResourceSuppressions(task, [
        {
          id: 'AwsSolutions-ECS2',
          reason:
            "The environment holds configuration only (role, adapter choice, resource names and URLs, client ids and scopes; the metrics agent's scrape and EMF configuration); every secret value is read by the gateway from Secrets Manager at run time (SECRETS=aws).",
        },
      ]);
      const sg = new ec2.SecurityGroup(this, `Sg-${role}`, { vpc, description: `Clearway ${role} tasks`, allowAllOutbound: true });
      const service = new ecs.FargateService(this, `Service-${role}`, {
        cluster,
        taskDefinition: task,
        desiredCount: role === 'api' ? s.apiDesiredCount : s.workerDesiredCount,
        securityGroups: [sg],
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        assignPublicIp: false,
        circuitBreaker: { rollback: true },
        minHealthyPercent: 100,
        maxHealthyPercent: 200,
        ...(role === 'api' ? { healthCheckGracePeriod: Duration.seconds(60) } : {}),
      });
      services[role] = service;
    }
    // The execution roles CDK makes: ECR pull and log writing.
    for (const role of ['api', 'worker'] as const) {
      NagSuppressions.addResourceSuppressions(
        services[role].taskDefinition,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'The execution role pulls the image: ecr:GetAuthorizationToken supports no resource-level permission, so it is granted on * by CDK (the repository actions are scoped to the repository).',
            appliesTo: ['Resource::*'],
          },
        ],
        true,
      );
    }

    // ---- load balancer -----------------------------------------------------------------------------------------
    const albSg = new ec2.SecurityGroup(this, 'AlbSg', {
      vpc,
      description: 'Clearway ALB: HTTPS (and HTTP, redirected) from the allowed sources',
      allowAllOutbound: false,
    });
    for (const cidr of s.allowedCidrs) {
      albSg.addIngressRule(cidr.includes(':') ? ec2.Peer.ipv6(cidr) : ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'HTTPS');
      albSg.addIngressRule(cidr.includes(':') ? ec2.Peer.ipv6(cidr) : ec2.Peer.ipv4(cidr), ec2.Port.tcp(80), 'HTTP, redirected to HTTPS');
    }
    NagSuppressions.addResourceSuppressions(albSg, [
      { id: 'AwsSolutions-EC23', reason: 'The payment API is public on 443 (80 only redirects); narrow it with the allowedCidrs context.' },
    ]);
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc,
      internetFacing: true,
      securityGroup: albSg,
      dropInvalidHeaderFields: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    });
    this.loadBalancer.logAccessLogs(accessLogs, 'alb');
    let certificateArn = s.certificateArns[region];
    if (!certificateArn) {
      certificateArn = `arn:${Aws.PARTITION}:acm:${region}:${Aws.ACCOUNT_ID}:certificate/set-the-certificateArn-context`;
      Annotations.of(this).addWarningV2(
        'clearway:certificate',
        `no certificateArn for ${region}: the HTTPS listener names a placeholder certificate; deploying needs -c certificateArn=<ACM ARN in ${region}>`,
      );
    }
    const https = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [acm.Certificate.fromCertificateArn(this, 'Certificate', certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: false,
    });
    this.loadBalancer.addRedirect({
      sourcePort: 80,
      sourceProtocol: elbv2.ApplicationProtocol.HTTP,
      targetPort: 443,
      targetProtocol: elbv2.ApplicationProtocol.HTTPS,
      open: false,
    });
    const target = https.addTargets('Api', {
      port: PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [services.api],
      healthCheck: { path: '/health/ready', healthyHttpCodes: '200', interval: Duration.seconds(15), timeout: Duration.seconds(5) },
      deregistrationDelay: Duration.seconds(30),
    });
    services.api.connections.allowFrom(albSg, ec2.Port.tcp(PORT), 'the ALB');

    // ---- alarms and dashboard ----------------------------------------------------------------------------------
    const topic = new sns.Topic(this, 'Alarms', { displayName: `Clearway alarms (${region})`, masterKey: key, enforceSSL: true });
    if (s.alarmEmail) topic.addSubscription(new subs.EmailSubscription(s.alarmEmail));
    const alarm = (
      name: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
      evaluationPeriods = 3,
      datapointsToAlarm = evaluationPeriods,
      options: { comparisonOperator?: cloudwatch.ComparisonOperator; treatMissingData?: cloudwatch.TreatMissingData } = {},
    ) => {
      const a = new cloudwatch.Alarm(this, `Alarm-${name}`, {
        alarmName: `${s.name}-${region}-${name}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
        datapointsToAlarm,
        comparisonOperator: options.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: options.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(new cwActions.SnsAction(topic));
      a.addOkAction(new cwActions.SnsAction(topic));
      this.alarms.push(a);
      return a;
    };
    const five = Duration.minutes(5);
    const one = Duration.minutes(1);
    const alb = this.loadBalancer.metrics;
    alarm(
      'DeadLetters',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: one, statistic: 'Maximum' }),
      0,
      'Jobs in the dead-letter queue (mirrors ClearwayDeadLetters): see docs/operations.md',
      1,
    );
    alarm(
      'QueueOldestJobAge',
      this.queue.metricApproximateAgeOfOldestMessage({ period: one, statistic: 'Maximum' }),
      300,
      'The oldest job waited more than 5 minutes: the workers are down or behind',
      5,
    );
    alarm(
      'AlbTarget5xx',
      alb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: five, statistic: 'Sum' }),
      10,
      'The gateway answered more than 10 5xx in 5 minutes (503s included: draining, down, overload)',
      2,
    );
    alarm(
      'AlbElb5xx',
      alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: five, statistic: 'Sum' }),
      10,
      'The load balancer answered more than 10 5xx in 5 minutes (no healthy target, timeouts)',
      2,
    );
    alarm(
      'AlbTargetResponseTimeP99',
      alb.targetResponseTime({ period: five, statistic: 'p99' }),
      1,
      'p99 response time above 1 s for 15 minutes (mirrors ClearwaySubmitLatencyHigh)',
      3,
    );
    alarm(
      'AlbUnhealthyTargets',
      target.metrics.unhealthyHostCount({ period: one, statistic: 'Maximum' }),
      0,
      'An API task fails /health/ready',
      5,
    );
    {
      // every region has the table (the primary) or its replica, under the same name
      const throttles = new cloudwatch.MathExpression({
        expression: 'r + w',
        usingMetrics: {
          r: new cloudwatch.Metric({
            namespace: 'AWS/DynamoDB',
            metricName: 'ReadThrottleEvents',
            dimensionsMap: { TableName: tableName },
            period: five,
            statistic: 'Sum',
          }),
          w: new cloudwatch.Metric({
            namespace: 'AWS/DynamoDB',
            metricName: 'WriteThrottleEvents',
            dimensionsMap: { TableName: tableName },
            period: five,
            statistic: 'Sum',
          }),
        },
        period: five,
        label: 'throttle events',
      });
      alarm(
        'DynamoDbThrottles',
        throttles,
        0,
        'DynamoDB throttled reads or writes of the store table (a hot key or an on-demand limit)',
        2,
      );
    }
    for (const role of ['api', 'worker'] as const) {
      alarm(
        `${role === 'api' ? 'Api' : 'Worker'}CpuHigh`,
        services[role].metricCpuUtilization({ period: five, statistic: 'Average' }),
        80,
        `${role} tasks above 80% CPU for 15 minutes`,
        3,
      );
      alarm(
        `${role === 'api' ? 'Api' : 'Worker'}MemoryHigh`,
        services[role].metricMemoryUtilization({ period: five, statistic: 'Average' }),
        80,
        `${role} tasks above 80% memory for 15 minutes`,
        3,
      );
    }
    for (const peer of peers) {
      alarm(
        `ReplicationLatency-${peer}`,
        new cloudwatch.Metric({
          namespace: 'AWS/DynamoDB',
          metricName: 'ReplicationLatency',
          dimensionsMap: { TableName: tableName, ReceivingRegion: peer },
          period: one,
          statistic: 'Maximum',
        }),
        10_000,
        `Replication to ${peer} lags more than 10 s: keep REGION_LEASE_SECONDS well above it (docs/multi-region.md)`,
        5,
      );
    }

    // The gateway's own metrics (namespace Clearway, published by the agent sidecars; lib/metrics-agent.ts). The
    // store- and queue-wide gauges are the same in every process: Maximum over the region. Counters arrive as
    // deltas: Sum is the increase.
    //
    // Missing data: each alarm below treats it as not breaching, because a silent agent says nothing about the
    // payments; silence has its own alarms, <Role>MetricsMissing, which treat missing data as breaching. So an
    // agent that stops publishing is reported once, as such, rather than hidden (every alarm OK) or reported as
    // dead letters or unknown outcomes that may not exist. The AWS-native alarms above do not depend on the agent.
    const gateway = (metricName: string, statistic: string, period: Duration, role?: 'api' | 'worker') =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: role ? { Region: region, Role: role } : { Region: region },
        statistic,
        period,
      });
    alarm(
      'GatewayDeadLetteredJobs',
      gateway('clearway_queue_dead_letter_jobs', 'Maximum', one),
      0,
      'The gateway counts dead-lettered jobs (clearway_queue_dead_letter_jobs; ClearwayDeadLetters): see docs/operations.md',
      2,
    );
    alarm(
      'GatewayOutcomeUnknown',
      gateway('clearway_payments_outcome_unknown', 'Maximum', one),
      0,
      'Payments with an unknown outcome at the host for 15 minutes (clearway_payments_outcome_unknown; ClearwayPaymentsOutcomeUnknown): do not resubmit them',
      15,
    );
    alarm(
      'GatewaySlaTimeouts',
      gateway('clearway_sla_timeouts_total', 'Sum', five),
      0,
      'The SLA sweeper ended payments in the last 5 minutes (clearway_sla_timeouts_total; ClearwaySlaRejectionsRising)',
      1,
    );
    alarm(
      'GatewayHostTimeouts',
      gateway('clearway_host_call_timeouts_total', 'Sum', five),
      0,
      'Calls to the legacy host timed out in each of the last two 5-minute periods (clearway_host_call_timeouts_total; see ClearwayHostErrorRateHigh)',
      2,
    );
    alarm(
      'GatewayEventLoopLagP99',
      gateway('nodejs_eventloop_lag_p99_seconds', 'Maximum', one),
      0.5,
      'A gateway process has had an event-loop lag p99 above 0.5 s for 5 minutes (ClearwayEventLoopLagHigh)',
      5,
    );
    for (const role of ['api', 'worker'] as const) {
      if ((role === 'api' ? s.apiDesiredCount : s.workerDesiredCount) === 0) continue;
      alarm(
        `${role === 'api' ? 'Api' : 'Worker'}MetricsMissing`,
        gateway('nodejs_eventloop_lag_p99_seconds', 'SampleCount', five, role),
        1,
        `No gateway metrics from the ${role} tasks for 10 minutes: the CloudWatch agent sidecar (or the gateway's METRICS_PORT) is down, and the Gateway* alarms cannot fire (ClearwayMetricsDown)`,
        2,
        2,
        { comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD, treatMissingData: cloudwatch.TreatMissingData.BREACHING },
      );
    }

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `${s.name}-${region}` });
    dashboard.addWidgets(...this.alarms.map((a) => new cloudwatch.AlarmWidget({ alarm: a, title: a.alarmName, width: 8, height: 5 })));
    const byRole = (metricName: string, statistic: string, label: string) =>
      (['api', 'worker'] as const).map((role) => gateway(metricName, statistic, one, role).with({ label: `${label} (${role})` }));
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `### The gateway's metrics (namespace ${METRICS_NAMESPACE}, from the CloudWatch agent sidecars)`,
        width: 24,
        height: 1,
      }),
      new cloudwatch.GraphWidget({
        title: 'Needs an operator: dead letters, unknown outcomes',
        left: [
          gateway('clearway_queue_dead_letter_jobs', 'Maximum', one).with({ label: 'dead-lettered jobs' }),
          gateway('clearway_payments_outcome_unknown', 'Maximum', one).with({ label: 'payments with an unknown outcome' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'SLA timeouts and host timeouts (per 5 minutes)',
        left: [
          gateway('clearway_sla_timeouts_total', 'Sum', five).with({ label: 'SLA timeouts' }),
          gateway('clearway_host_call_timeouts_total', 'Sum', five).with({ label: 'host call timeouts' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Event-loop lag p99 (s)',
        left: byRole('nodejs_eventloop_lag_p99_seconds', 'Maximum', 'p99'),
        leftAnnotations: [{ value: 0.5, label: 'alarm' }],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Queue: waiting jobs, oldest due job (s)',
        left: [gateway('clearway_queue_waiting_jobs', 'Maximum', one).with({ label: 'waiting jobs' })],
        right: [gateway('clearway_queue_oldest_due_seconds', 'Maximum', one).with({ label: 'oldest due job (s)' })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Admission: open (min over api tasks), refused submissions',
        left: [gateway('clearway_admission_open', 'Minimum', one, 'api').with({ label: 'open (1) / refusing (0)' })],
        right: [gateway('clearway_admission_refused_total', 'Sum', one).with({ label: 'refused' })],
        width: 12,
      }),
    );

    // ---- DNS: Route 53 failover (two regions) or a plain alias (one) ---------------------------------------------
    if (s.hostedZoneId && s.hostedZoneName && s.domainName) {
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: s.hostedZoneId, zoneName: s.hostedZoneName });
      const aliasTarget = route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.loadBalancer, { evaluateTargetHealth: true }));
      if (s.regions.length > 1) {
        const healthCheck = new route53.HealthCheck(this, 'RegionHealth', {
          type: route53.HealthCheckType.HTTPS,
          fqdn: this.loadBalancer.loadBalancerDnsName,
          port: 443,
          resourcePath: '/health/region',
          requestInterval: Duration.seconds(10),
          failureThreshold: 3,
          enableSNI: true,
        });
        new route53.ARecord(this, 'Failover', {
          zone,
          recordName: s.domainName,
          target: aliasTarget,
          failover: this.primary ? route53.Failover.PRIMARY : route53.Failover.SECONDARY,
          setIdentifier: `${s.name}-${region}`,
          healthCheck,
        });
      } else {
        new route53.ARecord(this, 'Alias', { zone, recordName: s.domainName, target: aliasTarget });
      }
    }

    // ---- Cognito (optional, primary) -----------------------------------------------------------------------------
    if (s.cognito && this.primary) {
      const pool = new cognito.UserPool(this, 'UserPool', {
        userPoolName: s.name,
        selfSignUpEnabled: false,
        mfa: cognito.Mfa.REQUIRED,
        mfaSecondFactor: { otp: true, sms: false },
        passwordPolicy: { minLength: 14, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
        removalPolicy: RemovalPolicy.RETAIN,
      });
      NagSuppressions.addResourceSuppressions(pool, [
        {
          id: 'AwsSolutions-COG3',
          reason:
            'The pool serves machine clients with the client-credentials grant (no user sign-in), which threat protection (the Plus plan) does not inspect.',
        },
        {
          id: 'AwsSolutions-COG8',
          reason:
            'The Plus feature plan adds threat protection for user sign-ins; this pool has no users, only client-credentials app clients (the rp2 scopes).',
        },
      ]);
      const read = new cognito.ResourceServerScope({ scopeName: 'read', scopeDescription: 'read payments (payments:read)' });
      const write = new cognito.ResourceServerScope({ scopeName: 'write', scopeDescription: 'submit payments (payments:write)' });
      const server = pool.addResourceServer('Rp2', { identifier: 'rp2', scopes: [read, write] });
      const domain = pool.addDomain('Domain', { cognitoDomain: { domainPrefix: `${s.name}-${Aws.ACCOUNT_ID}` } });
      for (const client of s.clients) {
        pool.addClient(`Client-${client.id}`, {
          userPoolClientName: client.id,
          generateSecret: true,
          oAuth: {
            flows: { clientCredentials: true },
            scopes: [
              ...(client.scopes.some((x) => x === 'payments:read' || x === 'rp2/read')
                ? [cognito.OAuthScope.resourceServer(server, read)]
                : []),
              ...(client.scopes.some((x) => x === 'payments:write' || x === 'rp2/write')
                ? [cognito.OAuthScope.resourceServer(server, write)]
                : []),
            ],
          },
        });
      }
      new CfnOutput(this, 'CognitoIssuer', { value: `https://cognito-idp.${region}.amazonaws.com/${pool.userPoolId}` });
      new CfnOutput(this, 'CognitoJwksUrl', {
        value: `https://cognito-idp.${region}.amazonaws.com/${pool.userPoolId}/.well-known/jwks.json`,
      });
      new CfnOutput(this, 'CognitoTokenUrl', { value: `${domain.baseUrl()}/oauth2/token` });
    }

    new CfnOutput(this, 'LoadBalancerDns', { value: this.loadBalancer.loadBalancerDnsName });
    new CfnOutput(this, 'WorkQueueUrl', { value: this.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'ArchiveBucket', { value: this.archive.bucketName });
    new CfnOutput(this, 'AlarmTopic', { value: topic.topicArn });
  }
}

/**
 * The task role's statements (docs/aws.md, "Permissions"; docs/sqs-work-queue.md for SQS), and the metrics
 * sidecar's log writes. No action is a wildcard; the one `*` resource is secretsmanager:ListSecrets, which has no
 * resource-level permission.
 */
export function taskRoleStatements(r: {
  tableArns: string[];
  queueArns: string[];
  bucketArn: string;
  secretPrefixArn: string;
  keyArn: string;
  /** The region's metrics log group (its ARN ends in `:*`, its streams). */
  metricsLogGroupArn: string;
}): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'StoreTable',
      actions: [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:DescribeTable',
      ],
      // every region's replica: eventual mode reads a peer replica for X-Consistency: global
      resources: r.tableArns.flatMap((t) => [t, `${t}/index/*`]),
    }),
    new iam.PolicyStatement({
      sid: 'WorkQueue',
      // the batch calls (SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch) are authorised by these
      actions: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
      resources: r.queueArns,
    }),
    new iam.PolicyStatement({ sid: 'ArchiveList', actions: ['s3:ListBucket'], resources: [r.bucketArn] }),
    new iam.PolicyStatement({ sid: 'ArchiveObjects', actions: ['s3:PutObject', 's3:GetObject'], resources: [`${r.bucketArn}/archive/*`] }),
    new iam.PolicyStatement({
      sid: 'Secrets',
      actions: [
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:CreateSecret',
        'secretsmanager:DescribeSecret',
      ],
      resources: [r.secretPrefixArn],
    }),
    new iam.PolicyStatement({ sid: 'SecretsPing', actions: ['secretsmanager:ListSecrets'], resources: ['*'] }),
    // the queues, the archive and the secrets are encrypted with the region's data key
    new iam.PolicyStatement({ sid: 'DataKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [r.keyArn] }),
    // Not the gateway's: the CloudWatch agent sidecar writes the gateway's metrics (EMF) to the metrics log group.
    // ECS has one task role per task, not per container, so it sits here; it is scoped to that one log group, and
    // to the two calls the agent makes on a group that exists (CreateLogStream, then PutLogEvents: no
    // CreateLogGroup, no retention call, as the agent's configuration sets no retention). The log group's KMS key
    // needs no grant: CloudWatch Logs encrypts with it under the key policy.
    new iam.PolicyStatement({
      sid: 'MetricsLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [r.metricsLogGroupArn],
    }),
  ];
}
