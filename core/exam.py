"""DVA-C02 facts the whole site shares: domains, weights, task statements, topic tags."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from core.documents import invalid, one_of, unique

# Source: ../shared/reference/dva-c02-exam.md (official exam guide).
DOMAINS: dict[int, tuple[str, int]] = {
    1: ("Development with AWS Services", 32),
    2: ("Security", 26),
    3: ("Deployment", 24),
    4: ("Troubleshooting and Optimization", 18),
}

TASKS: dict[str, str] = {
    "1.1": "Develop code for applications hosted on AWS",
    "1.2": "Develop code for AWS Lambda",
    "1.3": "Use data stores in application development",
    "2.1": "Implement authentication and/or authorization for applications and AWS services",
    "2.2": "Implement encryption by using AWS services",
    "2.3": "Manage sensitive data in application code",
    "3.1": "Prepare application artifacts to be deployed to AWS",
    "3.2": "Test applications in development environments",
    "3.3": "Automate deployment testing",
    "3.4": "Deploy code by using AWS CI/CD services",
    "4.1": "Assist in a root cause analysis",
    "4.2": "Instrument code for observability",
    "4.3": "Optimize applications by using AWS services and features",
}

# The controlled vocabulary of topic tags: lessons, questions and labs use these, so a lesson can
# link to the quizzes and labs of the same topic. Loaders reject unknown tags.
TOPIC_TAGS: dict[str, str] = {
    "cicd-concepts": "CI/CD concepts",
    "codecommit": "AWS CodeCommit",
    "git": "Git workflows",
    "codebuild": "AWS CodeBuild",
    "buildspec": "buildspec.yml",
    "codedeploy": "AWS CodeDeploy",
    "appspec": "appspec.yml",
    "deployment-configurations": "CodeDeploy deployment configurations",
    "deployment-strategies": "Deployment strategies",
    "rollback": "Rollbacks and alarms",
    "codepipeline": "AWS CodePipeline",
    "approvals": "Manual approvals",
    "cross-account": "Cross-account delivery",
    "cross-region": "Cross-region delivery",
    "codeartifact": "AWS CodeArtifact",
    "ecr": "Amazon ECR and image tags",
    "codeguru": "Amazon CodeGuru",
    "cloudformation": "AWS CloudFormation",
    "nested-stacks": "Nested stacks",
    "stacksets": "StackSets",
    "sam": "AWS SAM",
    "cdk": "AWS CDK",
    "api-gateway": "Amazon API Gateway",
    "stage-variables": "API Gateway stage variables",
    "lambda": "AWS Lambda versions, aliases and packaging",
    "parameter-store": "SSM Parameter Store",
    "secrets-manager": "AWS Secrets Manager",
    "rotation": "Secret and key rotation",
    "appconfig": "AWS AppConfig",
    "kms": "AWS KMS",
    "iam": "IAM roles and policies",
    "vpc": "Networking (VPC, NAT, endpoints)",
    "ecs": "Amazon ECS",
    "elastic-beanstalk": "AWS Elastic Beanstalk",
    "amplify": "AWS Amplify",
    "copilot": "AWS Copilot",
    "x-ray": "AWS X-Ray",
    "cloudwatch": "Amazon CloudWatch",
    "eventbridge": "Amazon EventBridge",
    "sns": "Amazon SNS",
    "cloudshell": "AWS CloudShell",
    "gitops": "GitOps",
    "multi-account": "Multi-account environments",
    # Development, security and operations topics of the whole exam guide (issue 15).
    "architecture-patterns": "Architecture patterns (event-driven, microservices, fan-out)",
    "event-driven": "Event-driven architecture",
    "idempotency": "Idempotency",
    "retries": "Retries with backoff and jitter",
    "sdk": "AWS SDKs, APIs and the CLI",
    "testing": "Unit, integration and mock testing",
    "lambda-development": "AWS Lambda development (handlers, events, concurrency, tuning)",
    "concurrency": "Concurrency and scaling",
    "dynamodb": "Amazon DynamoDB",
    "dax": "DynamoDB Accelerator (DAX)",
    "rds": "Amazon RDS and Aurora",
    "s3": "Amazon S3",
    "efs": "Amazon EFS",
    "ec2": "Amazon EC2",
    "sqs": "Amazon SQS",
    "kinesis": "Amazon Kinesis",
    "step-functions": "AWS Step Functions",
    "appsync": "AWS AppSync",
    "elasticache": "Amazon ElastiCache",
    "caching": "Caching strategies",
    "cloudfront": "Amazon CloudFront",
    "cognito": "Amazon Cognito",
    "federation": "Identity federation (SAML, OIDC)",
    "sts": "AWS STS and temporary credentials",
    "iam-policies": "IAM policy types and evaluation",
    "encryption": "Encryption at rest and in transit",
    "acm": "Certificates (ACM, AWS Private CA)",
    "data-protection": "Sensitive data (PII, PHI) and sanitising",
    "cloudwatch-logs": "CloudWatch Logs and Logs Insights",
    "emf": "CloudWatch embedded metric format",
    "structured-logging": "Structured logging",
    "cloudtrail": "AWS CloudTrail",
    "troubleshooting": "Troubleshooting and root cause analysis",
    "optimization": "Performance and cost optimisation",
}

DIFFICULTIES = ("easy", "medium", "hard")


def _known_domain(number: int) -> int:
    if number not in DOMAINS:
        raise invalid(f"unknown exam domain {number}", f"one of {', '.join(map(str, DOMAINS))}")
    return number


# The facts above as types of the content models (lessons, questions, labs, the exam guide), so
# every file kind refuses an unknown domain, task, tag or difficulty with the same words.
Domain = Annotated[int, AfterValidator(_known_domain)]
Task = Annotated[
    str,
    one_of(TASKS, "exam task", f"one of {', '.join(TASKS)}"),
    Field(description='quote it: task: "3.4" (YAML reads an unquoted 3.4 as a number)'),
]
TopicTag = Annotated[str, one_of(TOPIC_TAGS, "topic tag", "see TOPIC_TAGS in core/exam.py")]
TopicTags = Annotated[
    list[TopicTag],
    Field(min_length=1, description="write tags: [codebuild, buildspec]"),
    unique("tag"),
]
Difficulty = Annotated[str, one_of(DIFFICULTIES, "difficulty", f"one of {', '.join(DIFFICULTIES)}")]


def domain_label(number: int) -> str:
    """'3 Deployment' style label for a domain number."""
    name, _weight = DOMAINS[number]
    return f"{number} {name}"
