"""The address book and the issues' 报 / 送 / 发 lines move into this app; their tables stay where they are."""

import articles.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0008_review_desk'),
        ('distribution', '0004_auth_throttle'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Only Django's picture of the models changes: the tables keep their names (Meta.db_table).
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='Recipient',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                    ('default_role', models.CharField(choices=[('report', '报 (superior)'), ('copy', '送 (peer)'), ('send', '发 (subordinate or internal)')], default='send', max_length=10, verbose_name='usual role')),
                    ('sort_order', models.PositiveIntegerField(default=100, help_text='Smaller numbers are printed first.', verbose_name='sort order')),
                    ('email', models.EmailField(blank=True, help_text='Receives a link when an issue is issued.', max_length=254, verbose_name='email')),
                    ('is_active', models.BooleanField(default=True, verbose_name='active')),
                    ('members', models.ManyToManyField(blank=True, related_name='recipient_units', to=settings.AUTH_USER_MODEL, verbose_name='accounts')),
                ],
                options={
                    'verbose_name': 'recipient unit',
                    'verbose_name_plural': 'recipient units',
                    'db_table': 'distribution_recipient',
                    'ordering': ['sort_order', 'name'],
                },
            ),
            migrations.CreateModel(
                name='RecipientGroup',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                    ('sort_order', models.PositiveIntegerField(default=100, verbose_name='sort order')),
                    ('members', models.ManyToManyField(blank=True, related_name='groups', to='articles.recipient', verbose_name='units')),
                ],
                options={
                    'verbose_name': 'recipient group',
                    'verbose_name_plural': 'recipient groups',
                    'db_table': 'distribution_recipientgroup',
                    'ordering': ['sort_order', 'name'],
                },
            ),
            migrations.CreateModel(
                name='Distribution',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('role', models.CharField(choices=[('report', '报 (superior)'), ('copy', '送 (peer)'), ('send', '发 (subordinate or internal)')], max_length=10, verbose_name='role')),
                    ('issue', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='distributions', to='articles.issue', verbose_name='issue')),
                    ('recipient', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='distributions', to='articles.recipient', verbose_name='unit')),
                    ('group', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='distributions', to='articles.recipientgroup', verbose_name='group')),
                ],
                options={
                    'verbose_name': 'recipient',
                    'verbose_name_plural': 'recipients (报 / 送 / 发)',
                    'db_table': 'distribution_distribution',
                    'base_manager_name': 'objects',
                    'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('group__isnull', True), ('recipient__isnull', False)), models.Q(('group__isnull', False), ('recipient__isnull', True)), _connector='OR'), name='distribution_unit_xor_group'), models.UniqueConstraint(fields=('issue', 'recipient'), name='distribution_unit_once_per_issue'), models.UniqueConstraint(fields=('issue', 'group'), name='distribution_group_once_per_issue'), models.CheckConstraint(condition=models.Q(('role__in', ['report', 'copy', 'send'])), name='distribution_role_valid')],
                },
                bases=(articles.models.ContentOfIssueMixin, models.Model),
            ),
        ]),
    ]
