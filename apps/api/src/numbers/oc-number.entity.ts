import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { RemovalStatus } from './removal-status';

/**
 * One telephone number. The table and its columns are part of the contract: the operator's
 * own systems (its sync job) may write `oc_numbers` directly.
 */
@Entity({ name: 'oc_numbers' })
export class OcNumber {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** E.164, e.g. +14255550100; unique. */
  @Column({ name: 'telephone_number', type: 'varchar', length: 16, unique: true })
  telephoneNumber!: string;

  /** The customer's Microsoft Entra tenant id, lower-case; null when the number has no tenant. */
  @Column({ name: 'ms_tenant_id', type: 'uuid', nullable: true })
  msTenantId!: string | null;

  /** 0–3 (see RemovalStatus); null in old rows means Active. */
  @Column({ name: 'removal_status', type: 'smallint', nullable: true, default: 0 })
  removalStatus!: RemovalStatus | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;

  @Column({ name: 'removal_status_changed_at', type: Date, nullable: true })
  removalStatusChangedAt!: Date | null;
}
