// SPDX-License-Identifier: Apache-2.0
/** One region, no context at all: the resources the gateway needs, in the shape it expects. */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { GSI_BY_CLIENT, GSI_BY_SHARD, TTL_ATTRIBUTE } from '../../../libs/adapters/aws/src/dynamodb-table.js';
import { TABLE_SCHEMA } from '../lib/clearway-stack.js';
import { DEFAULT_SETTINGS } from '../lib/settings.js';
import { synth } from './synth.js';

type Statement = { Sid: string; Action: string | string[]; Resource: unknown; Effect: string };

describe('the CDK app with no context (one region)', () => {
  let t: Template;
  let stackName: string;
  beforeAll(() => {
    const s = synth();
    t = s.template();
    stackName = s.regions[0].stackName;
  });

  const keyRef = () => ({ 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] });
  const statements = (): Statement[] => {
    const policies = t.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('^TaskPolicy') } });
    expect(Object.keys(policies)).toHaveLength(1);
    return Object.values(policies)[0].Properties.PolicyDocument.Statement as Statement[];
  };

  it('is one stack, Clearway-eu-west-1', () => {
    expect(stackName).toBe('Clearway-eu-west-1');
  });

  it('makes a customer-managed KMS key with rotation, aliased alias/clearway-data', () => {
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/clearway-data' });
  });

  it('makes the table with the key schema, indexes and TTL attribute of the gateway, PITR and the KMS key', () => {
    expect(TABLE_SCHEMA.indexes.map((i) => i.name)).toEqual([GSI_BY_CLIENT, GSI_BY_SHARD]);
    expect(TABLE_SCHEMA.ttlAttribute).toBe(TTL_ATTRIBUTE);
    t.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    t.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'clearway',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byClient',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] },
        },
        {
          IndexName: 'byShard',
          KeySchema: [
            { AttributeName: 'gsi2pk', KeyType: 'HASH' },
            { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] },
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [
        Match.objectLike({
          Region: 'eu-west-1',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
          SSESpecification: { KMSMasterKeyId: keyRef() },
        }),
      ],
    });
  });

  it('makes the FIFO work queue and its FIFO DLQ, KMS-encrypted, with maxReceiveCount = JOB_MAX_ATTEMPTS', () => {
    t.resourceCountIs('AWS::SQS::Queue', 2);
    t.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'clearway-jobs-dlq.fifo',
      FifoQueue: true,
      ContentBasedDeduplication: false,
      MessageRetentionPeriod: 1209600,
      KmsMasterKeyId: keyRef(),
    });
    t.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'clearway-jobs.fifo',
      FifoQueue: true,
      ContentBasedDeduplication: false,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      VisibilityTimeout: 30,
      MessageRetentionPeriod: 345600,
      KmsMasterKeyId: keyRef(),
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetterQueue'), 'Arn'] },
        maxReceiveCount: DEFAULT_SETTINGS.jobMaxAttempts,
      },
    });
    // both queues refuse plain HTTP
    t.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      },
      2,
    );
  });

  it('makes the archive bucket: versioning, Object Lock with the retention setting, KMS, no public access, SSL only, lifecycle', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } } },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyRef() }, BucketKeyEnabled: true },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'archive-to-glacier', Status: 'Enabled' })]) },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'archive/' }),
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^Archive') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('encrypts every log group with the key and keeps it for the retention', () => {
    const groups = Object.values(t.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBe(4); // api, worker, metrics (the agent sidecars' EMF), VPC flow logs
    for (const g of groups) {
      expect(g.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] });
      expect(g.Properties.RetentionInDays).toBe(365);
    }
  });

  it('makes the client and host secrets, generated and encrypted with the key', () => {
    t.resourceCountIs('AWS::SecretsManager::Secret', 2);
    for (const name of ['clearway/clients/operator', 'clearway/legacy-host/authorization']) {
      t.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: name,
        KmsKeyId: keyRef(),
        GenerateSecretString: Match.objectLike({ PasswordLength: 40 }),
        SecretString: Match.absent(),
      });
    }
  });

  it('gives the task role exactly the actions of docs/aws.md, on the resources of this deployment', () => {
    const st = statements();
    expect(st.map((s) => [s.Sid, Array.isArray(s.Action) ? [...s.Action].sort() : s.Action])).toEqual([
      [
        'StoreTable',
        [
          'dynamodb:BatchGetItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:DeleteItem',
          'dynamodb:DescribeTable',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:Scan',
          'dynamodb:UpdateItem',
        ],
      ],
      [
        'WorkQueue',
        ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage'],
      ],
      ['ArchiveList', 's3:ListBucket'],
      ['ArchiveObjects', ['s3:GetObject', 's3:PutObject']],
      [
        'Secrets',
        ['secretsmanager:CreateSecret', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
      ],
      ['SecretsPing', 'secretsmanager:ListSecrets'],
      ['DataKey', ['kms:Decrypt', 'kms:GenerateDataKey']],
      // the CloudWatch agent sidecar's EMF writes (the task role is per task, not per container)
      ['MetricsLogs', ['logs:CreateLogStream', 'logs:PutLogEvents']],
    ]);
    for (const s of st) {
      expect(s.Effect).toBe('Allow');
      for (const a of [s.Action].flat()) expect(a).not.toMatch(/\*/);
    }
    const resources = Object.fromEntries(st.map((s) => [s.Sid, JSON.stringify(s.Resource)]));
    // '*' only where AWS has no resource-level permission (ListSecrets)
    expect(Object.entries(resources).filter(([, r]) => r === '"*"')).toEqual([['SecretsPing', '"*"']]);
    expect(resources.StoreTable).toContain(':table/clearway"');
    expect(resources.StoreTable).toContain(':table/clearway/index/*"');
    expect(resources.WorkQueue).toMatch(/WorkQueue.*Arn.*DeadLetterQueue.*Arn/);
    expect(resources.ArchiveList).toMatch(/^\{"Fn::GetAtt":\["Archive[0-9A-F]+","Arn"\]\}$/);
    expect(resources.ArchiveObjects).toMatch(/Archive[0-9A-F]+","Arn"\]\},"\/archive\/\*"/);
    expect(resources.Secrets).toContain(':secret:clearway/*"');
    expect(resources.DataKey).toMatch(/^\{"Fn::GetAtt":\["DataKey[0-9A-F]+","Arn"\]\}$/);
    // the metrics log group only (its ARN ends in :*, its streams), no other log group, no CreateLogGroup
    expect(resources.MetricsLogs).toMatch(/^\{"Fn::GetAtt":\["Logsmetrics[0-9A-F]+","Arn"\]\}$/);
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/clearway/eu-west-1/metrics' });
    // the role has nothing else: no managed policies, no inline policies
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ecs-tasks.amazonaws.com' } })] },
      Description: Match.stringLikeRegexp('^Clearway gateway tasks'),
      ManagedPolicyArns: Match.absent(),
      Policies: Match.absent(),
    });
  });

  it('runs the api and worker roles on Fargate with the AWS adapters configured', () => {
    t.resourceCountIs('AWS::ECS::Service', 2);
    const defs = Object.values(t.findResources('AWS::ECS::TaskDefinition'));
    const env = (role: string) => {
      const def = defs.find((d) =>
        d.Properties.ContainerDefinitions[0].Environment.some(
          (e: { Name: string; Value: string }) => e.Name === 'ROLE' && e.Value === role,
        ),
      );
      expect(def).toBeDefined();
      return Object.fromEntries(
        def!.Properties.ContainerDefinitions[0].Environment.map((e: { Name: string; Value: unknown }) => [e.Name, e.Value]),
      );
    };
    for (const role of ['api', 'worker']) {
      const e = env(role);
      expect(e).toMatchObject({
        STORE: 'dynamodb',
        QUEUE: 'sqs',
        ARCHIVE: 's3',
        SECRETS: 'aws',
        DYNAMODB_TABLE: 'clearway',
        SECRETS_PREFIX: 'clearway/',
        JOB_MAX_ATTEMPTS: '8',
        REGION_ID: 'eu-west-1',
        AWS_REGION: 'eu-west-1',
        METRICS_PORT: '9464',
        NODE_ENV: 'production',
        LEGACY_HOST_AUTH_SECRET: 'legacy-host/authorization',
      });
      expect(e.SQS_QUEUE_URL).toEqual({ Ref: expect.stringMatching(/^WorkQueue/) });
      expect(e.SQS_DLQ_URL).toEqual({ Ref: expect.stringMatching(/^DeadLetterQueue/) });
      expect(e.S3_BUCKET).toEqual({ Ref: expect.stringMatching(/^Archive/) });
      expect(JSON.parse(e.CLEARWAY_CLIENTS as string)).toEqual([
        { id: 'operator', secretName: 'clients/operator', scopes: ['payments:read', 'payments:write', 'payments:operate'] },
      ]);
      expect(e.PEER_REGIONS).toBeUndefined();
    }
    // only the api service is behind the load balancer
    t.hasResourceProperties('AWS::ECS::Service', { LoadBalancers: [Match.objectLike({ ContainerPort: 8080 })] });
    t.resourcePropertiesCountIs('AWS::ECS::Service', { LoadBalancers: Match.absent() }, 1);
  });

  it('listens on 443 with the certificate and redirects 80 to HTTPS', () => {
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: Match.anyValue() }],
      SslPolicy: Match.stringLikeRegexp('^ELBSecurityPolicy-TLS13'),
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 8080, HealthCheckPath: '/health/ready' });
  });

  it('sets the alarms on AWS-native metrics and on the gateway metrics the agent publishes', () => {
    const names = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmName as string);
    expect(names.sort()).toEqual(
      [
        'DeadLetters',
        'QueueOldestJobAge',
        'AlbTarget5xx',
        'AlbElb5xx',
        'AlbTargetResponseTimeP99',
        'AlbUnhealthyTargets',
        'DynamoDbThrottles',
        'ApiCpuHigh',
        'ApiMemoryHigh',
        'WorkerCpuHigh',
        'WorkerMemoryHigh',
        // namespace Clearway (metrics-agent.spec.ts)
        'GatewayDeadLetteredJobs',
        'GatewayOutcomeUnknown',
        'GatewaySlaTimeouts',
        'GatewayHostTimeouts',
        'GatewayEventLoopLagP99',
        'ApiMetricsMissing',
        'WorkerMetricsMissing',
      ]
        .map((n) => `clearway-eu-west-1-${n}`)
        .sort(),
    );
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'clearway-eu-west-1-DeadLetters',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
    });
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: keyRef() });
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    // no hosted zone configured: no DNS records
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    t.resourceCountIs('AWS::Cognito::UserPool', 0);
  });
});
